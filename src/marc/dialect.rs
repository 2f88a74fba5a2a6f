//! The two readings of a record: the MARC 21 standard's, and pymarc's.
//!
//! pymarc (the oracle for what a record contains) is looser in a few
//! places and lossy in others. The record iterator (`marcarrow.pymarc`)
//! must reproduce it exactly; every other path reads by the standard. The
//! differences, each with a test (`tests/test_pymarc_compat.py` and the
//! unit tests named here):
//!
//! | where | `Standard` | `Pymarc` |
//! |---|---|---|
//! | field terminator (`record.rs`) | a field must end with 0x1E | the last byte of the directory length is dropped, whatever it is |
//! | non-ASCII subfield code (`record.rs`) | kept as it is | the whole UTF-8 character, folded to ASCII by the binding |
//! | MARC-8 (`decode/`) | unmapped bytes rejected or replaced (U+FFFD), trailing combining marks kept | unmapped characters become spaces, a trailing combining mark is dropped, a cut-short escape is a literal ESC |
//! | control fields of a record that is not valid UTF-8 (`decode/`) | decoded with the record | decoded as Latin-1, without `utf8_handling` |

/// Which reading to follow; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// The MARC 21 standard, with every loss reported. The default.
    #[default]
    Standard,
    /// pymarc 5.4's reading, quirks included (the record iterator).
    Pymarc,
}

impl Dialect {
    /// `true` for [`Dialect::Pymarc`].
    #[inline]
    pub fn is_pymarc(self) -> bool {
        self == Dialect::Pymarc
    }
}
