//! Paging, once for every resource: Polar's list endpoints all page the same way
//! (`?page=N&limit=M`, answer `{items, pagination: {total_count, max_page}}`). A resource gives a
//! [`Listing`] (its path, its filters as query pairs, how to read an item's ID) and gets one
//! [`Page`] ([`Listing::fetch`]) or a walk over all of them ([`Walk`]). A list builder collects
//! its filters in [`Filters`], which checks them and starts the walk.

pub(crate) mod filters;
pub(crate) mod page;
pub(crate) mod problem;
pub(crate) mod walk;

pub(crate) use filters::Filters;
pub use page::Page;
pub(crate) use page::{Listing, MAX_PAGE_SIZE};
pub use problem::PagingProblem;
pub use walk::Walk;
