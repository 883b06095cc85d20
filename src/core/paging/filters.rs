//! [`Filters`]: a listing's query filters and page size as its builder collects them, checked
//! together when the walk starts (so a list builder only says which filters it has).

use serde::de::DeserializeOwned;

use super::page::{Listing, MAX_PAGE_SIZE};
use super::walk::Walk;
use crate::core::Core;
use crate::validate::Checker;

/// How a filter's value is checked before anything is sent.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// A Polar ID: must be a UUID.
    Uuid,
    /// Free text (an external ID): must be clean (non-empty, no NUL).
    Text,
    /// A code this crate wrote itself (a status): nothing to check.
    Code,
}

/// The filters of one listing, in the order they were added, and its page size.
#[derive(Clone, Debug)]
pub(crate) struct Filters {
    pairs: Vec<(&'static str, String, Rule)>,
    page_size: u32,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            pairs: Vec::new(),
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl Filters {
    /// Adds a filter on a Polar ID (checked to be a UUID).
    pub(crate) fn id(&mut self, name: &'static str, value: impl Into<String>) {
        self.pairs.push((name, value.into(), Rule::Uuid));
    }

    /// Adds a filter on free text such as an external ID (checked to be clean).
    pub(crate) fn text(&mut self, name: &'static str, value: impl Into<String>) {
        self.pairs.push((name, value.into(), Rule::Text));
    }

    /// Adds a filter on a code the crate wrote itself (a status).
    pub(crate) fn code(&mut self, name: &'static str, value: &str) {
        self.pairs.push((name, value.to_owned(), Rule::Code));
    }

    /// Sets the page size, capped at Polar's largest page; 0 is refused when the walk starts.
    pub(crate) fn page_size(&mut self, size: u32) {
        self.page_size = size.min(MAX_PAGE_SIZE);
    }

    /// The walk over `path`'s pages with these filters; it yields [`Error::InvalidInput`] (and
    /// sends nothing) when a filter or the page size is refused.
    pub(crate) fn walk<T: DeserializeOwned + Send + 'static>(
        self,
        core: Core,
        operation: &'static str,
        operation_id: &'static str,
        path: &str,
        key: fn(&T) -> &str,
    ) -> Walk<T> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        let mut query = Vec::with_capacity(self.pairs.len());
        for (name, value, rule) in self.pairs {
            match rule {
                Rule::Uuid => check.uuid(name, &value),
                Rule::Text => {
                    check.clean(name, &value);
                }
                Rule::Code => {}
            }
            query.push((name.to_owned(), value));
        }
        let listing = Listing {
            core,
            operation,
            operation_id,
            path: path.to_owned(),
            filters: query,
            limit: self.page_size,
            key,
        };
        Walk::new(listing, check.finish())
    }
}
