//! Listing customers (`customers:list`): the [`ListCustomers`] builder with Polar's filters. The
//! paging itself — one page, or the walk over all of them — is the core's ([`crate::core::paging`]);
//! this file gives it the path, the filters as query pairs, and the customer's ID.
//!
//! Polar's `metadata` filter is an OpenAPI `deepObject` query parameter (`metadata[key]=value`),
//! which the spec pipeline leaves out of the generated method, so the request is the core's
//! hand-written one ([`crate::core::request`]), through the same hooks and retry loop.

use std::future::Future;

use super::Customers;
use crate::core::Core;
use crate::core::paging::{Listing, MAX_PAGE_SIZE, Page, Walk};
use crate::customers::customer::Customer;
use crate::error::Error;
use crate::metadata::MetadataValue;
use crate::validate::{Checker, InputProblem};

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
    /// Oldest first: customers created during a walk then come last, and are yielded too.
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
/// **What a walk sees while customers change**: see [`ListCustomers::stream`]. In short, every
/// customer that exists for the whole walk is yielded once (the walk adds `email` as a tiebreaker
/// sort key and re-reads pages when the list shrinks); customers created or deleted during it
/// may be missed. One page with its counts: [`ListCustomers::page`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
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

    /// Walks the pages for the caller, yielding each matching customer once: a [`Walk`] (a
    /// `Stream` of `Result<Customer, Error>`, `Send + 'static`) that can be resumed after an
    /// error with [`Walk::resume`].
    ///
    /// Each page is one request through the client's retry loop (a read, so retried like
    /// [`Customers::get`]). An error ends the stream after it is yielded.
    ///
    /// # What the walk yields
    ///
    /// Every customer that exists for the whole walk and whose sort keys do not change during it
    /// is yielded, once — except for ties Polar leaves in the order (below), and customers
    /// created and deleted between the same two requests, which cancel out in the count the
    /// walk watches. Customers created or deleted during the walk may be missed. In detail:
    ///
    /// - Polar pages by offset with no tiebreaker of its own, so customers equal on every sort key
    ///   (several created in the same microsecond) can swap places between two requests and be
    ///   skipped at a page boundary. The walk therefore sends `email` as a last sort key after
    ///   yours (Polar's list accepts only `created_at`, `email` and `name`, not `id`; emails are
    ///   unique within an organization). Ties remain only among customers without an email
    ///   (teams) or of different organizations, equal on every other key.
    /// - When Polar's `total_count` drops between two requests, customers were deleted and the
    ///   others moved back onto pages already read: the walk reads those pages again.
    /// - With the default newest-first order, customers created during the walk land before the
    ///   walk's position and are not yielded (they push the others down: those come again and are
    ///   skipped); with [`CustomerSort::CreatedAtAsc`] they land at the end and are yielded.
    /// - Budget and memory: see [`Walk`]. The set of IDs yielded is bounded by the first page's
    ///   `total_count` plus a margin.
    ///
    /// The one request that returns every customer at once is Polar's CSV export.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use futures_util::StreamExt;
    /// use polar_client::Error;
    ///
    /// let mut walk = polar.customers().list().page_size(0).stream();
    /// assert!(matches!(walk.next().await, Some(Err(Error::InvalidInput { .. }))));
    /// assert!(walk.next().await.is_none());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0, an
    /// organization ID that is not a UUID, or a metadata filter Polar cannot be sent (an empty
    /// key, a key with `[` or `]`, a NUL character, a number that is not finite);
    /// [`Error::Paging`] when the server's pages do not add up (a repeated page, more pages than
    /// announced); otherwise the errors of [`Customers::get`].
    pub fn stream(self) -> Walk<Customer> {
        Walk::new(self.listing(), self.problems())
    }

    /// Fetches one page of the listing (counting from 1), with its counts: for showing "page 3
    /// of 12". Pages past the last one are empty, with the same counts. The order is the walk's
    /// (your sort keys, then `email`), so consecutive pages read moments apart line up.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{CustomerSort, NewCustomer};
    ///
    /// for n in 0..3 {
    ///     polar.customers().create(NewCustomer::individual(format!("user{n}@example.org"))).await?;
    /// }
    /// let list = polar.customers().list().sort_by(CustomerSort::CreatedAtAsc).page_size(2);
    /// let first = list.page(1).await?;
    /// assert_eq!((first.items().len(), first.total_count(), first.max_page()), (2, 3, 2));
    /// assert!(first.has_next());
    /// assert_eq!(list.page(2).await?.items()[0].email(), Some("user2@example.org"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for page 0 and the input problems of
    /// [`ListCustomers::stream`]; otherwise the errors of [`Customers::get`].
    pub fn page(
        &self,
        page: u64,
    ) -> impl Future<Output = Result<Page<Customer>, Error>> + Send + 'static + use<> {
        self.listing().checked_page(self.problems(), page)
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
        for (key, value) in &self.metadata {
            let field = format!("metadata.{}", key.escape_debug());
            if key.is_empty() {
                check.report(&field, "the key is empty; a filter needs a key.");
            }
            if key.contains(['[', ']']) {
                check.report(
                    &field,
                    "the key contains `[` or `]`, which the `metadata[key]` query cannot carry.",
                );
            }
            if key.contains('\0') || value.as_str().is_some_and(|text| text.contains('\0')) {
                check.report(&field, "contains a NUL character, which Polar rejects.");
            }
            if let MetadataValue::Float(number) = value
                && !number.is_finite()
            {
                check.report(
                    &field,
                    format!("the value {number} is not a finite number, so no customer has it."),
                );
            }
        }
        check.finish()
    }

    /// What the core's paging needs: the path, the filters and sort keys as query pairs.
    fn listing(&self) -> Listing<Customer> {
        Listing {
            core: self.core.clone(),
            operation: "customers:list",
            operation_id: "customers_list",
            path: "/v1/customers/".to_owned(),
            filters: self.filters(),
            limit: self.page_size,
            key: |customer: &Customer| customer.id().as_str(),
        }
    }

    /// The filters and sort keys as query pairs; `page` and `limit` are the walk's.
    fn filters(&self) -> Vec<(String, String)> {
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
        for sort in self.sort_keys() {
            add("sorting", sort.code().to_owned());
        }
        for (key, value) in &self.metadata {
            let text = match value {
                MetadataValue::String(text) => text.clone(),
                MetadataValue::Integer(number) => number.to_string(),
                MetadataValue::Bool(flag) => flag.to_string(),
                // Finite (checked before sending): JSON's spelling, as Polar compares it.
                MetadataValue::Float(number) => serde_json::to_string(number).unwrap_or_default(),
            };
            add(&format!("metadata[{key}]"), text);
        }
        pairs
    }

    /// The caller's sort keys (Polar's default, newest first, when none), then `email` as the
    /// tiebreaker when no key sorts by it: Polar has none of its own.
    fn sort_keys(&self) -> Vec<CustomerSort> {
        let mut keys = if self.sorting.is_empty() {
            vec![CustomerSort::CreatedAtDesc]
        } else {
            self.sorting.clone()
        };
        let by_email =
            |key: &CustomerSort| matches!(key, CustomerSort::EmailAsc | CustomerSort::EmailDesc);
        if !keys.iter().any(by_email) {
            keys.push(CustomerSort::EmailAsc);
        }
        keys
    }
}
