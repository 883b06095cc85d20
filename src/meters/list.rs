//! Listing meters (`meters:list`) and customer meters (`customer_meters:list`): the
//! [`ListMeters`] and [`ListCustomerMeters`] builders; one page, or the walk over all of them,
//! through the core's paging ([`crate::core::paging`]) like every other list.

use std::future::Future;

use super::read::UsageCustomer;
use super::{CustomerMeter, CustomerMeters, Meter, Meters};
use crate::core::Core;
use crate::core::paging::{Listing, MAX_PAGE_SIZE, Page, Walk};
use crate::error::Error;
use crate::id::MeterId;
use crate::validate::{Checker, InputProblem};

/// The organization's meters, one page ([`ListMeters::page`]) or all of them
/// ([`ListMeters::stream`]). From [`Meters::list`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// use futures_util::TryStreamExt;
///
/// let meters: Vec<_> = polar.meters().list().stream().try_collect().await?;
/// assert_eq!(meters[0].name(), "Tokens");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until a page is fetched or it is streamed"]
pub struct ListMeters {
    core: Core,
    page_size: u32,
}

/// Customer meters — each customer's consumption and balance per meter — for every customer or
/// one, every meter or one: one page ([`ListCustomerMeters::page`]) or all of them
/// ([`ListCustomerMeters::stream`]). From [`CustomerMeters::list`].
///
/// A balance read right after ingesting may not include the events yet: Polar updates it in
/// the background, seconds to minutes later.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// use futures_util::TryStreamExt;
/// use polar_client::{NewCustomer, NewEvent, UsageCustomer};
///
/// let jane = polar.customers().create(NewCustomer::individual("jane@example.org").external_id("usr_7")).await?;
/// let event = NewEvent::for_external_customer("usr_7", "llm.completion").metadata("total_tokens", 120);
/// polar.events().ingest(vec![event]).await?;
/// let hers: Vec<_> = polar
///     .customer_meters()
///     .list()
///     .customer(UsageCustomer::External("usr_7".into()))
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(hers[0].consumed_units(), 120.0);
/// assert_eq!(hers[0].customer_id(), Some(jane.id()));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until a page is fetched or it is streamed"]
pub struct ListCustomerMeters {
    core: Core,
    customer: Option<UsageCustomer>,
    meter_id: Option<MeterId>,
    page_size: u32,
}

impl Meters {
    /// Lists the organization's meters: a [`ListMeters`] builder.
    ///
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let all = polar.meters().list().page_size(50).stream();
    /// # drop(all);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn list(&self) -> ListMeters {
        ListMeters {
            core: self.core.clone(),
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl CustomerMeters {
    /// Lists customer meters: a [`ListCustomerMeters`] builder without filters.
    ///
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// use polar_client::UsageCustomer;
    ///
    /// let hers = polar.customer_meters().list().customer(UsageCustomer::External("usr_7".into())).stream();
    /// # drop(hers);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn list(&self) -> ListCustomerMeters {
        ListCustomerMeters {
            core: self.core.clone(),
            customer: None,
            meter_id: None,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

fn check_page_size(check: &mut Checker, size: u32) {
    if size == 0 {
        check.report("page_size", "must be between 1 and 100.");
    }
}

impl ListMeters {
    /// How many meters to fetch per request: 1 to 100 (the default); 0 is refused when the
    /// listing is used.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(MAX_PAGE_SIZE);
        self
    }

    /// Walks the pages, yielding each meter once (see [`Walk`] for what a walk guarantees while
    /// the list changes); an error ends the stream after it is yielded, and [`Walk::resume`]
    /// goes on from there.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0;
    /// [`Error::Paging`] when the pages do not add up; otherwise the errors of every read.
    pub fn stream(self) -> Walk<Meter> {
        Walk::new(self.listing(), self.problems())
    }

    /// Fetches one page (counting from 1) with its counts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// let page = polar.meters().list().page(1).await?;
    /// assert_eq!((page.items()[0].name(), page.total_count()), ("Tokens", 1));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for page 0 or a page size of 0; otherwise the
    /// errors of every read ([`Error`]).
    pub fn page(
        &self,
        page: u64,
    ) -> impl Future<Output = Result<Page<Meter>, Error>> + Send + 'static + use<> {
        self.listing().checked_page(self.problems(), page)
    }

    fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        check_page_size(&mut check, self.page_size);
        check.finish()
    }

    fn listing(&self) -> Listing<Meter> {
        Listing {
            core: self.core.clone(),
            operation: "meters:list",
            operation_id: "meters_list",
            path: "/v1/meters/".to_owned(),
            filters: Vec::new(),
            limit: self.page_size,
            key: |meter: &Meter| meter.id().as_str(),
        }
    }
}

impl ListCustomerMeters {
    /// Only this customer's meters, by Polar ID or external ID (the last call wins).
    pub fn customer(mut self, customer: UsageCustomer) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Only this meter's rows (Polar then also lists an archived meter's).
    pub fn meter_id(mut self, id: impl Into<MeterId>) -> Self {
        self.meter_id = Some(id.into());
        self
    }

    /// How many rows to fetch per request: 1 to 100 (the default); 0 is refused when the
    /// listing is used.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(MAX_PAGE_SIZE);
        self
    }

    /// Walks the pages, yielding each customer meter once (see [`Walk`] for what a walk
    /// guarantees while the list changes); an error ends the stream after it is yielded, and
    /// [`Walk::resume`] goes on from there. Polar's order is the most recently modified first,
    /// so rows updated during the walk move to the front: walk again for fresh balances.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for the problems of
    /// [`ListCustomerMeters::page`]; [`Error::Paging`] when the pages do not add up;
    /// otherwise the errors of every read.
    pub fn stream(self) -> Walk<CustomerMeter> {
        Walk::new(self.listing(), self.problems())
    }

    /// Fetches one page (counting from 1) with its counts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// let page = polar.customer_meters().list().page_size(10).page(1).await?;
    /// assert_eq!((page.total_count(), page.has_next()), (0, false));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for page 0, a page size of 0, a customer or meter
    /// ID that is not a UUID, or an empty external customer ID; otherwise the errors of every
    /// read ([`Error`]).
    pub fn page(
        &self,
        page: u64,
    ) -> impl Future<Output = Result<Page<CustomerMeter>, Error>> + Send + 'static + use<> {
        self.listing().checked_page(self.problems(), page)
    }

    fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        check_page_size(&mut check, self.page_size);
        if let Some(customer) = &self.customer {
            customer.check(&mut check);
        }
        if let Some(meter) = &self.meter_id {
            check.uuid("meter_id", meter);
        }
        check.finish()
    }

    fn listing(&self) -> Listing<CustomerMeter> {
        let mut filters: Vec<(String, String)> =
            self.customer.iter().map(UsageCustomer::pair).collect();
        if let Some(meter) = &self.meter_id {
            filters.push(("meter_id".to_owned(), meter.to_string()));
        }
        Listing {
            core: self.core.clone(),
            operation: "customer_meters:list",
            operation_id: "customer_meters_list",
            path: "/v1/customer-meters/".to_owned(),
            filters,
            limit: self.page_size,
            key: |row: &CustomerMeter| row.id(),
        }
    }
}
