//! [`PagingProblem`]: why a walk over a list's pages stopped although every request succeeded.
//!
//! Kept apart from the walk so that [`crate::error::Error`] can name it without importing the
//! walk (which imports the error).

use std::fmt;

/// Why a walk over a list's pages gave up although each request succeeded: the pages did not add
/// up, so going on could loop or grow without end. Carried by
/// [`Error::Paging`](crate::Error::Paging); the walk can be resumed with
/// [`Walk::resume`](crate::Walk::resume).
///
/// ```
/// use polar_client::PagingProblem;
///
/// assert!(PagingProblem::RepeatedPage.to_string().contains("repeated"));
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagingProblem {
    /// A page brought no item the walk had not yielded already while the list had not grown by
    /// that many: the server answered an earlier page again.
    RepeatedPage,
    /// The server announced more pages than the first page of the walk did, beyond the margin
    /// allowed for customers created during the walk.
    TooManyPages {
        /// The last page number the walk allowed itself.
        last_page: u64,
    },
    /// The list shrank so often during the walk that the pages to read again exceeded the
    /// walk's budget.
    TooManyRereads {
        /// The number of pages read again.
        rereads: u64,
    },
    /// The walk saw more distinct items than the first page announced, beyond the margin.
    TooManyItems {
        /// The number of distinct items the walk allowed itself.
        limit: u64,
    },
}

impl fmt::Display for PagingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RepeatedPage => f.write_str(
                "the server repeated a page (every item on it was already yielded, and the list had not grown by that many)",
            ),
            Self::TooManyPages { last_page } => write!(
                f,
                "the server announced more pages than the walk's first page did (at most {last_page} allowed)"
            ),
            Self::TooManyRereads { rereads } => write!(
                f,
                "the list shrank so often during the walk that {rereads} pages were read again, the most allowed"
            ),
            Self::TooManyItems { limit } => write!(
                f,
                "the pages held more distinct items than the walk's first page announced (at most {limit} allowed)"
            ),
        }
    }
}
