//! A minimal walk over Polar's offset pages for the billing lists (subscriptions, checkouts,
//! orders): one read per page through the retry loop, each item yielded once (by ID). Kept small
//! on purpose, to be swapped for the crate's generic page walk when it lands.

use std::collections::HashSet;

use futures_util::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::Core;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::validate::InputProblem;

/// One page as Polar sends it (`ListResource[...]`).
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    pagination: Pagination,
}

#[derive(Deserialize, Default)]
struct Pagination {
    #[serde(default)]
    max_page: u64,
}

/// What one listing sends: where, under which names, with which filters.
pub(crate) struct Listing {
    pub(crate) core: Core,
    /// Polar's operation id, `subscriptions:list`.
    pub(crate) name: &'static str,
    /// The same with `_`, as the hooks see it.
    pub(crate) operation_id: &'static str,
    pub(crate) path: &'static str,
    /// The filters and `limit`; `page` is added per request.
    pub(crate) query: Vec<(String, String)>,
    /// The input's problems, yielded (once) instead of the first request.
    pub(crate) problems: Result<(), Vec<InputProblem>>,
}

/// Walks the pages of `listing`, yielding each item whose `key` was not yielded before; an error
/// ends the stream after it is yielded.
pub(crate) fn walk<T, K>(
    listing: Listing,
    key: K,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    K: Fn(&T) -> String + Send + 'static,
{
    let walk = Walk {
        listing,
        key,
        page: 1,
        buffered: Vec::new().into_iter(),
        seen: HashSet::new(),
        ended: false,
    };
    futures_util::stream::unfold(walk, |mut walk| async move {
        let item = walk.next().await?;
        Some((item, walk))
    })
}

struct Walk<T, K> {
    listing: Listing,
    key: K,
    page: u64,
    buffered: std::vec::IntoIter<T>,
    seen: HashSet<String>,
    ended: bool,
}

impl<T, K> Walk<T, K>
where
    T: DeserializeOwned,
    K: Fn(&T) -> String,
{
    async fn next(&mut self) -> Option<Result<T, Error>> {
        if let Err(problems) = std::mem::replace(&mut self.listing.problems, Ok(())) {
            self.ended = true;
            return Some(Err(Error::InvalidInput { problems }));
        }
        loop {
            let (key, seen) = (&self.key, &self.seen);
            if let Some(found) = self.buffered.find(|item| !seen.contains(&key(item))) {
                self.seen.insert(key(&found));
                return Some(Ok(found));
            }
            if self.ended {
                return None;
            }
            match fetch(&self.listing, self.page).await {
                Ok(page) => {
                    self.ended = page.items.is_empty() || self.page >= page.pagination.max_page;
                    self.page += 1;
                    self.buffered = page.items.into_iter();
                }
                Err(error) => {
                    self.ended = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

/// Fetches one page of `listing` through the retry loop.
async fn fetch<T: DeserializeOwned>(listing: &Listing, page: u64) -> Result<Page<T>, Error> {
    {
        let mut query = listing.query.clone();
        query.push(("page".to_owned(), page.to_string()));
        let api = listing.core.api();
        let request = Request::get(listing.operation_id, listing.path, &query);
        listing
            .core
            .run(Operation::read(listing.name), || send(api, &request))
            .await
            .result
    }
}
