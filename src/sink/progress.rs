//! Progress on standard error for long sinks: an `indicatif` bar with the
//! `progress` feature (the Python package enables it); without it the core
//! carries no terminal dependency and draws nothing.

/// A progress display over the input bytes (hidden unless asked for and
/// standard error is a terminal).
pub(crate) struct Progress {
    #[cfg(feature = "progress")]
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar over `total` bytes (a spinner when the size is unknown), or
    /// nothing when `show` is false.
    #[cfg_attr(not(feature = "progress"), allow(unused_variables))]
    pub(crate) fn new(show: bool, total: Option<u64>) -> Self {
        #[cfg(feature = "progress")]
        {
            use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
            if !show {
                return Progress {
                    bar: ProgressBar::hidden(),
                };
            }
            // A stderr target draws nothing when stderr is not a terminal.
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = if total.is_some() {
                "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}"
            } else {
                "{spinner} {bytes} {bytes_per_sec} {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            Progress { bar }
        }
        #[cfg(not(feature = "progress"))]
        Progress {}
    }

    /// Bytes read so far and records written so far.
    #[cfg_attr(not(feature = "progress"), allow(unused_variables))]
    pub(crate) fn update(&self, bytes: u64, records: u64) {
        #[cfg(feature = "progress")]
        {
            self.bar.set_position(bytes);
            self.bar.set_message(format!("{records} records"));
        }
    }

    /// Leaves the bar where it stopped (an error or an interruption).
    pub(crate) fn abandon(&self) {
        #[cfg(feature = "progress")]
        self.bar.abandon();
    }

    /// Clears the bar (done).
    pub(crate) fn finish(&self) {
        #[cfg(feature = "progress")]
        self.bar.finish_and_clear();
    }
}
