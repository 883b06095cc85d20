//! [`Walk`]: every item of a list, page after page, as a `Stream` — each item once, with the
//! pages re-read when the list shrank meanwhile, and a budget fixed by the first page so that no
//! server can make it loop or grow without end.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde::de::DeserializeOwned;

use super::page::{Listing, Page};
use super::problem::PagingProblem;
use crate::error::Error;
use crate::validate::InputProblem;

/// The forward pages allowed beyond the first page's `max_page`: room for items created during
/// the walk (two pages, plus a tenth of the announced count).
fn growth_margin(max_page: u64) -> u64 {
    2 + max_page / 10
}

/// Every item of a list, walked page after page: a [`Stream`] of `Result<T, Error>` that owns
/// what it uses (`Send + 'static`), from a resource's `stream()` (for example
/// [`ListCustomers::stream`](crate::ListCustomers::stream)).
///
/// # What the walk guarantees
///
/// Polar pages by offset and the walk reads one page per request, so the list can change between
/// two requests. The walk:
///
/// - **yields each item at most once** (it remembers the IDs it yielded);
/// - **yields every item that exists for the whole walk** and keeps its place in the order
///   (its sort keys do not change during the walk), provided the order is total — the
///   resource adds a tiebreaker sort key after the caller's for that (for customers, `email`;
///   see [`ListCustomers::stream`](crate::ListCustomers::stream) for the ties Polar leaves) —
///   and provided that items created and deleted between the same two requests do not cancel out
///   in the list's `total_count`: when the count drops between two requests, items moved onto
///   pages already read, and the walk reads those pages again before going on;
/// - **may miss** items created or deleted during the walk (an item created before the walk's
///   position, or deleted before the walk reached it, is not yielded; one created after it is);
/// - **stops with an error** when the pages do not add up, instead of looping:
///   [`Error::Paging`] with [`PagingProblem::RepeatedPage`] when a page brings nothing new
///   although the list did not grow by that much, [`PagingProblem::TooManyPages`] past the first
///   page's `max_page` plus a margin (2 pages and a tenth) for growth,
///   [`PagingProblem::TooManyRereads`] after more re-reads than the first page's `max_page` plus
///   2, [`PagingProblem::TooManyItems`] past its `total_count` plus the margin's items. So one
///   walk sends at most about `2.1 × max_page + 4` requests, counted from its first page, and its
///   memory (the set of IDs yielded) stays within that page's `total_count` plus the margin.
///
/// # Resuming
///
/// An error ends the stream (after it is yielded), but the walk keeps where it stopped: the page
/// that failed and the IDs already yielded. [`Walk::resume`] gives a walk that goes on from there
/// — the same query, the same IDs, a budget counted afresh from its own first page.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .retry_policy(polar_client::RetryPolicy::disabled())
/// #     .build()?;
/// use futures_util::StreamExt;
/// use polar_client::NewCustomer;
/// use polar_client_mock::Fault;
///
/// for n in 0..5 {
///     polar.customers().create(NewCustomer::individual(format!("user{n}@example.org"))).await?;
/// }
/// let mut walk = polar.customers().list().page_size(2).stream();
/// let mut emails = Vec::new();
/// let mut failures = 0;
/// # let mut injected = false;
/// loop {
/// #   if emails.len() == 2 && !injected {
/// #       mock.fail_next(1, Fault::ServerError { status: 500 });
/// #       injected = true;
/// #   }
///     match walk.next().await {
///         Some(Ok(customer)) => emails.push(customer.email().map(str::to_owned)),
///         Some(Err(error)) if failures < 3 => {
///             // A page failed (here a 500): go on from that page, later.
///             failures += 1;
///             eprintln!("walk stopped at page {:?}: {error}", walk.next_page());
///             walk = walk.resume();
///         }
///         Some(Err(error)) => return Err(error.into()),
///         None => break,
///     }
/// }
/// assert_eq!((emails.len(), failures), (5, 1));
/// # Ok(()) }
/// ```
#[must_use = "a walk does nothing until it is polled"]
pub struct Walk<T> {
    /// Where the walk is, when no request is under way.
    state: Option<Box<State<T>>>,
    /// The request under way, which holds the state until it is done.
    pending: Option<Pending<T>>,
}

/// A step of the walk under way: it gives the state back with the item.
type Pending<T> = Pin<Box<dyn Future<Output = (Box<State<T>>, Option<Result<T, Error>>)> + Send>>;

/// The budget a walk fixes from the first page it reads.
#[derive(Clone, Copy, Debug)]
struct Budget {
    /// The last forward page allowed.
    last_page: u64,
    /// The re-reads allowed.
    rereads: u64,
    /// The distinct items allowed (counting those yielded before a resume).
    items: u64,
}

/// Where a walk is.
struct State<T> {
    listing: Listing<T>,
    /// The input's problems ([`Error::InvalidInput`]), reported (once) instead of the first
    /// request.
    problems: Option<Error>,
    /// The next page to read going forward.
    next_page: u64,
    /// Whether pages remain going forward.
    more: bool,
    /// Positions `[from, to)` to read again (the list shrank: items moved onto pages read).
    reread: Option<(u64, u64)>,
    /// Items of the last page not yet looked at.
    buffered: std::vec::IntoIter<T>,
    /// The IDs yielded so far.
    seen: HashSet<String>,
    /// Fixed by the first page read since the walk started or resumed.
    budget: Option<Budget>,
    /// The list's `total_count` on the last page read.
    last_total: Option<u64>,
    /// Re-reads since the walk started or resumed.
    rereads: u64,
    /// Stopped on an error; [`Walk::resume`] clears it.
    failed: bool,
    /// Finished for good (all read, or invalid input).
    done: bool,
}

impl<T: DeserializeOwned + Send + 'static> Walk<T> {
    /// A walk over `listing` from page 1; when the builder found `problems` in its input, the
    /// walk yields them as [`Error::InvalidInput`] and sends nothing.
    pub(crate) fn new(listing: Listing<T>, problems: Result<(), Vec<InputProblem>>) -> Self {
        Self {
            state: Some(Box::new(State {
                listing,
                problems: problems
                    .err()
                    .map(|problems| Error::InvalidInput { problems }),
                next_page: 1,
                more: true,
                reread: None,
                buffered: Vec::new().into_iter(),
                seen: HashSet::new(),
                budget: None,
                last_total: None,
                rereads: 0,
                failed: false,
                done: false,
            })),
            pending: None,
        }
    }
}

impl<T> Walk<T> {
    /// After the walk stopped on an error: a walk that goes on where it stopped — the page that
    /// failed (or is to be read again), the IDs already yielded, the same query — with a budget
    /// counted afresh from its next page. A walk that did not stop on an error (still going,
    /// finished, or refused its input) is returned as it is.
    ///
    /// Resuming after [`Error::Paging`] is the caller's choice: the server may answer the same.
    ///
    /// See the type's documentation for an example.
    pub fn resume(mut self) -> Self {
        if let Some(state) = self.state.as_mut().filter(|state| state.failed) {
            state.failed = false;
            state.budget = None;
            state.last_total = None;
            state.rereads = 0;
        }
        self
    }

    /// The page the walk reads next (counting from 1), or `None` when it has finished, refused
    /// its input, or a request is under way.
    pub fn next_page(&self) -> Option<u64> {
        let state = self.state.as_ref()?;
        if state.done || state.problems.is_some() {
            return None;
        }
        match state.reread {
            Some((from, _)) => Some(from / u64::from(state.listing.limit.max(1)) + 1),
            None if state.more => Some(state.next_page),
            None => None,
        }
    }

    /// How many distinct items the walk has yielded (before and after resuming).
    pub fn yielded(&self) -> Option<usize> {
        self.state.as_ref().map(|state| state.seen.len())
    }
}

impl<T> fmt::Debug for Walk<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walk")
            .field("next_page", &self.next_page())
            .field("yielded", &self.yielded())
            .field("in_flight", &self.pending.is_some())
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Walk<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let pending = match &mut this.pending {
            Some(pending) => pending,
            empty => {
                let Some(mut state) = this.state.take() else {
                    return Poll::Ready(None);
                };
                empty.insert(Box::pin(async move {
                    let item = state.next().await;
                    (state, item)
                }))
            }
        };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((state, item)) => {
                this.pending = None;
                this.state = Some(state);
                Poll::Ready(item)
            }
        }
    }
}

impl<T: DeserializeOwned> State<T> {
    /// Stops the walk on `problem`, resumably.
    fn stop(&mut self, page: u64, problem: PagingProblem) -> Option<Result<T, Error>> {
        self.failed = true;
        Some(Err(Error::Paging { problem, page }))
    }

    /// The next item not yielded before, reading pages as needed; `None` at the end.
    async fn next(&mut self) -> Option<Result<T, Error>> {
        if let Some(problems) = self.problems.take() {
            self.done = true;
            return Some(Err(problems));
        }
        let key = self.listing.key;
        let limit = u64::from(self.listing.limit.max(1));
        loop {
            if self.failed || self.done {
                return None;
            }
            while let Some(item) = self.buffered.next() {
                if self.seen.contains(key(&item)) {
                    continue;
                }
                if let Some(budget) = self.budget
                    && self.seen.len() as u64 >= budget.items
                {
                    let page = self.next_page;
                    return self.stop(
                        page,
                        PagingProblem::TooManyItems {
                            limit: budget.items,
                        },
                    );
                }
                self.seen.insert(key(&item).to_owned());
                return Some(Ok(item));
            }
            // Pages to read again come first, then the next page forward.
            let (page, rereading) = match self.reread {
                Some((from, _)) => (from / limit + 1, true),
                None if self.more => (self.next_page, false),
                None => {
                    self.done = true;
                    return None;
                }
            };
            if let Some(budget) = self.budget {
                if rereading && self.rereads >= budget.rereads {
                    let rereads = self.rereads;
                    return self.stop(page, PagingProblem::TooManyRereads { rereads });
                }
                if !rereading && page > budget.last_page {
                    let last_page = budget.last_page;
                    return self.stop(page, PagingProblem::TooManyPages { last_page });
                }
            }
            let fetched = match self.listing.fetch(page).await {
                Ok(fetched) => fetched,
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            };
            if self.budget.is_none() {
                self.budget = Some(self.budget_from(&fetched));
            }
            let previous = self.last_total.replace(fetched.total_count());
            let total = fetched.total_count();
            if rereading {
                self.rereads += 1;
                self.reread = self
                    .reread
                    .map(|(_, to)| (page.saturating_mul(limit), to))
                    .filter(|(from, to)| from < to);
            } else {
                let grown = previous.map_or(u64::MAX, |previous| total.saturating_sub(previous));
                let items = fetched.items();
                let fresh = items.iter().any(|item| !self.seen.contains(key(item)));
                if previous.is_some() && !items.is_empty() && !fresh && grown < items.len() as u64 {
                    return self.stop(page, PagingProblem::RepeatedPage);
                }
                self.next_page = page.saturating_add(1);
                self.more = !items.is_empty() && page < fetched.max_page();
            }
            // The list shrank by `shrunk` since the last request: items past the positions
            // already read moved back by up to that much, onto them. Read those positions again.
            if let Some(shrunk) = previous.and_then(|previous| previous.checked_sub(total))
                && shrunk > 0
            {
                // Positions read are those before the page just read (going forward), or
                // before the next forward page (re-reading).
                let read = if rereading {
                    self.next_page.saturating_sub(1).saturating_mul(limit)
                } else {
                    page.saturating_sub(1).saturating_mul(limit)
                };
                let from = self.reread.map_or(read, |(from, _)| from.min(read));
                self.reread =
                    Some((from.saturating_sub(shrunk), read)).filter(|(from, to)| from < to);
            }
            self.buffered = fetched.into_items().into_iter();
        }
    }

    /// The budget of a walk whose first page (since it started or resumed) is `first`.
    fn budget_from(&self, first: &Page<T>) -> Budget {
        let limit = u64::from(self.listing.limit.max(1));
        // Polar's max_page is ceil(total_count / limit); a server claiming more pages than its
        // count fills is held to the count.
        let pages = first.max_page().min(first.total_count().div_ceil(limit));
        let margin = growth_margin(pages);
        Budget {
            last_page: first.page_number().max(pages).saturating_add(margin),
            rereads: pages.saturating_add(2),
            items: (self.seen.len() as u64)
                .saturating_add(first.total_count())
                .saturating_add(margin.saturating_mul(limit)),
        }
    }
}
