//! Listing customers (`customers:list`): the [`ListCustomers`] builder with Polar's filters, and
//! the walk over Polar's offset pages as an async `Stream` that never yields a customer twice.
//!
//! The list request is built here rather than by the generated method: Polar's `metadata` filter
//! is an OpenAPI `deepObject` query parameter (`metadata[key]=value`), which the spec pipeline
//! leaves out of the generated method. So the request is built from the same parts the generated
//! code uses — the generated client's `reqwest::Client` and base URL, its request hooks (our
//! headers, the response size cap) and its response decoding — and goes through the same retry
//! loop as every other operation.

use std::collections::HashSet;

use futures_util::Stream;

use super::Customers;
use crate::core::Core;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::customer::Customer;
use crate::error::Error;
use crate::generated::types;
use crate::id::CustomerId;
use crate::metadata::MetadataValue;
use crate::validate::{Checker, InputProblem};

/// The largest page Polar serves; larger sizes are served this many.
const MAX_PAGE_SIZE: u32 = 100;

/// One sort criterion for [`ListCustomers::sort_by`] (Polar's `CustomerSortProperty`).
///
/// ```
/// use polar_client::CustomerSort;
///
/// assert_eq!(CustomerSort::CreatedAtAsc.code(), "created_at");
/// assert_eq!(CustomerSort::NameDesc.code(), "-name");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CustomerSort {
    /// Oldest first: the order to use for a full walk (new customers then come last).
    CreatedAtAsc,
    /// Newest first (Polar's default).
    CreatedAtDesc,
    /// By email, A to Z.
    EmailAsc,
    /// By email, Z to A.
    EmailDesc,
    /// By name, A to Z.
    NameAsc,
    /// By name, Z to A.
    NameDesc,
}

impl CustomerSort {
    /// The value Polar's `sorting` parameter takes (`-` for descending).
    pub fn code(self) -> &'static str {
        match self {
            Self::CreatedAtAsc => "created_at",
            Self::CreatedAtDesc => "-created_at",
            Self::EmailAsc => "email",
            Self::EmailDesc => "-email",
            Self::NameAsc => "name",
            Self::NameDesc => "-name",
        }
    }
}

/// A customer listing: filters, order and page size, walked with [`ListCustomers::stream`].
/// From [`Customers::list`].
///
/// Every filter is optional and they combine with AND (several values of one metadata key, or
/// several organizations, with OR). Deleted customers never appear.
///
/// **What a walk sees while customers change.** Polar pages by offset and breaks ties in the
/// order arbitrarily, so customers created or deleted during a walk shift the others across page
/// boundaries. The stream never yields the same customer twice (it remembers the IDs it yielded),
/// but a customer can be **missed** when a deletion moves it onto a page already read, and with
/// the default newest-first order every customer created during the walk pushes the others down
/// (they come again, and are skipped). For a complete walk, sort by
/// [`CustomerSort::CreatedAtAsc`]: customers created meanwhile then land at the end and are
/// yielded too. The walk ends at the last page Polar reports (`max_page`, re-read on every page)
/// or at the first empty page.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client::mock::MockPolar::start().await?;
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// use futures_util::TryStreamExt;
/// use polar_client::{CustomerSort, NewCustomer};
///
/// for n in 0..5 {
///     let customer = NewCustomer::individual(format!("user{n}@example.org")).metadata("plan", "pro");
///     polar.customers().create(customer).await?;
/// }
/// let pro: Vec<_> = polar
///     .customers()
///     .list()
///     .metadata("plan", "pro")
///     .sort_by(CustomerSort::CreatedAtAsc)
///     .page_size(2)
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(pro.len(), 5);
/// assert_eq!(pro[0].email(), Some("user0@example.org"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListCustomers {
    core: Core,
    email: Option<String>,
    query: Option<String>,
    active: Option<bool>,
    metadata: Vec<(String, MetadataValue)>,
    organization_ids: Vec<String>,
    sorting: Vec<CustomerSort>,
    page_size: u32,
}

impl Customers {
    /// Lists customers: a [`ListCustomers`] builder, with no filter and newest first until told
    /// otherwise; [`ListCustomers::stream`] walks the pages.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use futures_util::StreamExt;
    ///
    /// let mut customers = std::pin::pin!(polar.customers().list().active(true).stream());
    /// while let Some(customer) = customers.next().await {
    ///     println!("{}", customer?.id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListCustomers {
        ListCustomers {
            core: self.core.clone(),
            email: None,
            query: None,
            active: None,
            metadata: Vec::new(),
            organization_ids: Vec::new(),
            sorting: Vec::new(),
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl ListCustomers {
    /// Only the customer with this email, compared without regard to case (an empty email
    /// matches nothing).
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let jane = polar.customers().list().email("Jane@Example.org").stream();
    /// # drop(jane);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Only customers whose email, name or billing name contains this text (ignoring case), or
    /// whose external ID starts with it.
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let smiths = polar.customers().list().query("smith").stream();
    /// # drop(smiths);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn query(mut self, text: impl Into<String>) -> Self {
        self.query = Some(text.into());
        self
    }

    /// `true`: only customers with a trialing, active or past-due subscription; `false`: only
    /// those without.
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let paying = polar.customers().list().active(true).stream();
    /// # drop(paying);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Only customers whose metadata `key` has this value. Polar compares the values as text
    /// (`true`, `1`, `1.5`, or the string itself), so `"true"` matches a boolean `true` too.
    /// Called with several keys, every key must match; called several times with one key, any
    /// of its values matches.
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let pro_or_team = polar
    ///     .customers()
    ///     .list()
    ///     .metadata("plan", "pro")
    ///     .metadata("plan", "team")
    ///     .metadata("beta", true)
    ///     .stream();
    /// # drop(pro_or_team);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// Only customers of this organization (a UUID); call again to add organizations. Needed
    /// only with a personal access token that can read several organizations.
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let acme = polar
    ///     .customers()
    ///     .list()
    ///     .organization_id("1dbfc517-0bbf-4301-9ba8-555ca42b9737")
    ///     .stream();
    /// # drop(acme);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_ids.push(organization_id.into());
        self
    }

    /// Sorts by this criterion, after those given before it (Polar's default is
    /// [`CustomerSort::CreatedAtDesc`]).
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// use polar_client::CustomerSort;
    ///
    /// let by_name = polar
    ///     .customers()
    ///     .list()
    ///     .sort_by(CustomerSort::NameAsc)
    ///     .sort_by(CustomerSort::CreatedAtAsc)
    ///     .stream();
    /// # drop(by_name);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn sort_by(mut self, sort: CustomerSort) -> Self {
        self.sorting.push(sort);
        self
    }

    /// How many customers to fetch per request: 1 to 100 (the default, and what a larger size
    /// becomes, as Polar clamps it); 0 is refused when the stream starts.
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let in_pages_of_25 = polar.customers().list().page_size(25).stream();
    /// # drop(in_pages_of_25);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(MAX_PAGE_SIZE);
        self
    }

    /// Walks the pages for the caller, yielding each matching customer once.
    ///
    /// Each page is one request through the client's retry loop (a read, so retried like
    /// [`Customers::get`]). An error ends the stream after it is yielded. See the type's
    /// documentation for what customers created or deleted during the walk do to it; the stream
    /// keeps the ID of every customer it yielded.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client::mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use futures_util::StreamExt;
    /// use polar_client::Error;
    ///
    /// let mut walk = std::pin::pin!(polar.customers().list().page_size(0).stream());
    /// assert!(matches!(walk.next().await, Some(Err(Error::InvalidInput { .. }))));
    /// assert!(walk.next().await.is_none());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0 or an
    /// organization ID that is not a UUID; otherwise the errors of [`Customers::get`].
    pub fn stream(self) -> impl Stream<Item = Result<Customer, Error>> + Send + 'static {
        let walk = Walk {
            problems: self.problems(),
            list: self,
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

    /// Every problem of the listing, checked once before the first request.
    fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        for id in &self.organization_ids {
            check.uuid("organization_id", id);
        }
        check.finish()
    }

    /// The query string of one page.
    fn query_pairs(&self, page: u64) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut add = |name: &str, value: String| pairs.push((name.to_owned(), value));
        if let Some(email) = &self.email {
            add("email", email.clone());
        }
        if let Some(query) = &self.query {
            add("query", query.clone());
        }
        if let Some(active) = self.active {
            add("active", active.to_string());
        }
        for id in &self.organization_ids {
            add("organization_id", id.clone());
        }
        for sort in &self.sorting {
            add("sorting", sort.code().to_owned());
        }
        add("page", page.to_string());
        add("limit", self.page_size.to_string());
        for (key, value) in &self.metadata {
            let text = match value {
                MetadataValue::String(text) => text.clone(),
                other => serde_json::to_string(other).unwrap_or_default(),
            };
            pairs.push((format!("metadata[{key}]"), text));
        }
        pairs
    }

    /// Fetches one page through the retry loop.
    async fn page(&self, page: u64) -> Result<types::ListResourceCustomer, Error> {
        let api = self.core.api();
        let query = self.query_pairs(page);
        let request = Request::get("customers_list", "/v1/customers/", &query);
        self.core
            .run(Operation::read("customers:list"), || send(api, &request))
            .await
            .result
    }
}

/// Where a walk is: the next page to fetch, the customers of the last page not yet yielded, and
/// the IDs yielded so far.
struct Walk {
    list: ListCustomers,
    /// The input's problems, reported (once) instead of the first request.
    problems: Result<(), Vec<InputProblem>>,
    page: u64,
    buffered: std::vec::IntoIter<Customer>,
    seen: HashSet<CustomerId>,
    ended: bool,
}

impl Walk {
    /// The next customer not yielded before, fetching pages as needed; `None` at the end.
    async fn next(&mut self) -> Option<Result<Customer, Error>> {
        if let Err(problems) = std::mem::replace(&mut self.problems, Ok(())) {
            self.ended = true;
            return Some(Err(Error::InvalidInput { problems }));
        }
        loop {
            if let Some(customer) = self.buffered.find(|c| !self.seen.contains(c.id())) {
                self.seen.insert(customer.id().clone());
                return Some(Ok(customer));
            }
            if self.ended {
                return None;
            }
            match self.list.page(self.page).await {
                Ok(page) => {
                    let last = u64::try_from(page.pagination.max_page).unwrap_or(0);
                    self.ended = page.items.is_empty() || self.page >= last;
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
