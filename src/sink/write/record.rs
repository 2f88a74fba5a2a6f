//! A record to write, borrowed from wherever it came from (the columns of
//! an Arrow batch, or the strings of a pymarc-style record): the one shape
//! every encoder takes, so each format is written by one function.

/// One field of a [`RecordRef`].
#[derive(Clone, Copy, Debug)]
pub struct FieldRef<'a> {
    /// The tag (three characters, checked by whoever built the record).
    pub tag: &'a str,
    /// Indicators (one character each); ignored for a control field.
    pub ind1: &'a str,
    /// Second indicator.
    pub ind2: &'a str,
    /// `Some` for a control field: its data.
    pub value: Option<&'a str>,
    /// For a data field, its subfields: `subfields[start..end]` of the
    /// record.
    pub subfields: (u32, u32),
}

/// A record: leader, fields, and the subfields of all its fields in one
/// slice (so a worker reuses two vectors for every record it writes).
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'r, 'a> {
    /// The leader (24 characters, checked by whoever built the record).
    pub leader: &'a str,
    /// Fields in order.
    pub fields: &'r [FieldRef<'a>],
    /// `(code, value)` of every subfield, field after field.
    pub subfields: &'r [(&'a str, &'a str)],
}

impl<'r, 'a> RecordRef<'r, 'a> {
    /// The subfields of `field`.
    #[inline]
    pub fn subfields_of(&self, field: &FieldRef<'a>) -> &'r [(&'a str, &'a str)] {
        &self.subfields[field.subfields.0 as usize..field.subfields.1 as usize]
    }

    /// The first 001's data, for messages.
    pub fn control_number(&self) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|f| f.tag == "001")
            .and_then(|f| f.value)
    }
}

/// Reusable storage for building [`RecordRef`]s.
#[derive(Debug, Default)]
pub struct Parts<'a> {
    /// Fields of the record being built.
    pub fields: Vec<FieldRef<'a>>,
    /// Subfields of the record being built.
    pub subfields: Vec<(&'a str, &'a str)>,
}

impl<'a> Parts<'a> {
    /// Empties both vectors for the next record.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.subfields.clear();
    }

    /// Appends a control field.
    pub fn control(&mut self, tag: &'a str, value: &'a str) {
        let at = self.subfields.len() as u32;
        self.fields.push(FieldRef {
            tag,
            ind1: " ",
            ind2: " ",
            value: Some(value),
            subfields: (at, at),
        });
    }

    /// Starts a data field; push its subfields next, then call
    /// [`Parts::end_field`].
    pub fn data(&mut self, tag: &'a str, ind1: &'a str, ind2: &'a str) {
        let at = self.subfields.len() as u32;
        self.fields.push(FieldRef {
            tag,
            ind1,
            ind2,
            value: None,
            subfields: (at, at),
        });
    }

    /// Appends a subfield to the last data field.
    pub fn subfield(&mut self, code: &'a str, value: &'a str) {
        self.subfields.push((code, value));
    }

    /// Closes the last data field's subfield range.
    pub fn end_field(&mut self) {
        let n = self.subfields.len() as u32;
        if let Some(f) = self.fields.last_mut() {
            f.subfields.1 = n;
        }
    }

    /// The record with `leader`.
    pub fn record<'r>(&'r self, leader: &'a str) -> RecordRef<'r, 'a> {
        RecordRef {
            leader,
            fields: &self.fields,
            subfields: &self.subfields,
        }
    }
}

/// `leader` with position 09 set to `a` (UTF-8), as every Unicode output
/// says; borrowed when it already is.
pub fn utf8_leader(leader: &str) -> std::borrow::Cow<'_, str> {
    if leader.as_bytes().get(9) == Some(&b'a') && leader.is_ascii() {
        return std::borrow::Cow::Borrowed(leader);
    }
    std::borrow::Cow::Owned(
        leader
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 9 { 'a' } else { c })
            .collect(),
    )
}
