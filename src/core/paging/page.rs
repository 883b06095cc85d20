//! One page of a Polar list (`?page=N&limit=M` → `{items, pagination}`): the public [`Page`]
//! type, decoded leniently, and [`Listing`], what a resource gives to fetch its pages (operation,
//! path, filters as query pairs, page size, how to read an item's ID).

use std::future::Future;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::Core;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::validate::InputProblem;

/// The largest page Polar serves; larger sizes are served this many.
pub(crate) const MAX_PAGE_SIZE: u32 = 100;

/// One page of a Polar list, as the server answered it: its items and the counts of the whole
/// list at the moment it was read.
///
/// Polar pages by offset: page `n` holds the items at positions `(n - 1) × limit` to
/// `n × limit - 1` of the list as it is when the page is read.
///
/// **What pages read one by one guarantee**: only that each is a snapshot. Between two pages,
/// items created or deleted move the others across page boundaries (an item can then appear on
/// two pages, or on none), and the counts change. To read a whole list use the walk
/// ([`Walk`](crate::Walk)), which re-reads pages when the list shrank, yields each item once,
/// and yields every item that exists for the whole walk (see its documentation for the exact
/// terms).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// use polar_client::NewCustomer;
///
/// for n in 0..5 {
///     polar.customers().create(NewCustomer::individual(format!("user{n}@example.org"))).await?;
/// }
/// let page = polar.customers().list().page_size(2).page(3).await?;
/// // "page 3 of 3, 5 customers"
/// assert_eq!((page.page_number(), page.max_page(), page.total_count()), (3, 3, 5));
/// assert_eq!(page.items().len(), 1);
/// assert!(!page.has_next());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    items: Vec<T>,
    total_count: u64,
    max_page: u64,
    page_number: u64,
}

impl<T> Page<T> {
    /// The items of this page, in the list's order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The items of this page, owned.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// How many items the whole list held when this page was read.
    pub fn total_count(&self) -> u64 {
        self.total_count
    }

    /// The number of the last page when this page was read (0 for an empty list).
    pub fn max_page(&self) -> u64 {
        self.max_page
    }

    /// The number of this page, counting from 1.
    pub fn page_number(&self) -> u64 {
        self.page_number
    }

    /// Whether a page after this one held items when this page was read.
    pub fn has_next(&self) -> bool {
        self.page_number < self.max_page
    }
}

/// Polar's `ListResource`, as sent; unknown fields are ignored.
#[derive(Deserialize)]
struct Wire<T> {
    items: Vec<T>,
    pagination: Pagination,
}

/// Polar's `Pagination`.
#[derive(Deserialize)]
struct Pagination {
    total_count: u64,
    max_page: u64,
}

/// What a resource gives to list: everything but the page number.
pub(crate) struct Listing<T> {
    pub(crate) core: Core,
    /// Polar's operation name (`customers:list`), for the retry loop and logs.
    pub(crate) operation: &'static str,
    /// The operation id with `_` for `:` (`customers_list`), as the hooks see it.
    pub(crate) operation_id: &'static str,
    /// The path below the base URL (`/v1/customers/`), already encoded.
    pub(crate) path: String,
    /// The filters and sort keys, as query pairs; `page` and `limit` are added per page.
    pub(crate) filters: Vec<(String, String)>,
    /// The page size, 1 to [`MAX_PAGE_SIZE`].
    pub(crate) limit: u32,
    /// An item's unique ID, to recognise it on another page.
    pub(crate) key: fn(&T) -> &str,
}

impl<T> Clone for Listing<T> {
    fn clone(&self) -> Self {
        Self {
            core: self.core.clone(),
            operation: self.operation,
            operation_id: self.operation_id,
            path: self.path.clone(),
            filters: self.filters.clone(),
            limit: self.limit,
            key: self.key,
        }
    }
}

impl<T> std::fmt::Debug for Listing<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("filters", &self.filters)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Listing<T> {
    /// Fetches page `page` (from 1) through the retry loop, as a read.
    ///
    /// # Errors
    /// The errors of any read: what the loop classified after its retries.
    pub(crate) async fn fetch(&self, page: u64) -> Result<Page<T>, Error> {
        let api = self.core.api();
        let mut query = self.filters.clone();
        query.push(("page".to_owned(), page.to_string()));
        query.push(("limit".to_owned(), self.limit.to_string()));
        let request = Request::get(self.operation_id, &self.path, &query);
        let wire: Wire<T> = self
            .core
            .run(Operation::read(self.operation), || send(api, &request))
            .await
            .result?;
        Ok(Page {
            items: wire.items,
            total_count: wire.pagination.total_count,
            max_page: wire.pagination.max_page,
            page_number: page,
        })
    }
}

impl<T: DeserializeOwned + Send + 'static> Listing<T> {
    /// Page `page` (from 1) of a listing whose builder found `problems` in its input: those, and
    /// page 0, are an [`Error::InvalidInput`] with nothing sent; otherwise the page as
    /// [`fetch`](Self::fetch) reads it. The future owns the listing.
    pub(crate) fn checked_page(
        self,
        mut problems: Result<(), Vec<InputProblem>>,
        page: u64,
    ) -> impl Future<Output = Result<Page<T>, Error>> + Send + 'static {
        if page == 0 {
            let zero = InputProblem::new("page", "pages count from 1.");
            match &mut problems {
                Ok(()) => problems = Err(vec![zero]),
                Err(list) => list.push(zero),
            }
        }
        async move {
            problems.map_err(|problems| Error::InvalidInput { problems })?;
            self.fetch(page).await
        }
    }
}
