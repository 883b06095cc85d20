//! Listing subscriptions (`subscriptions:list`): the [`ListSubscriptions`] builder; the pages are
//! walked by the crate's one page walk (`Walk`).

use super::Subscriptions;
use super::model::Subscription;
use crate::core::Core;
use crate::core::paging::{Listing, Walk};
use crate::customers::state::SubscriptionStatus;
use crate::error::Error;
use crate::id::{CustomerId, ProductId};
use crate::validate::{Checker, InputProblem};

/// The largest page Polar serves.
const MAX_PAGE_SIZE: u32 = 100;

/// A subscription listing: filters and page size, walked with [`ListSubscriptions::stream`].
/// From [`Subscriptions::list`]. Filters combine with AND; several statuses with OR. Polar's
/// order is newest `started_at` first.
///
/// There is deliberately no `active(bool)` filter: Polar's `active=false` means only `canceled`
/// and `unpaid`, so `past_due`, `paused` and `incomplete` subscriptions match neither value. Ask
/// for the statuses you mean with [`ListSubscriptions::status`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// # let product = mock.add_product(polar_client_mock::MockProduct::monthly("Pro", 1900));
/// # let bought = mock.subscribe(polar_client_mock::Buyer::new("jane@example.org"), product)?;
/// # let subscription_id = bought.subscription.unwrap()["id"].as_str().unwrap().to_owned();
/// use futures_util::TryStreamExt;
/// use polar_client::SubscriptionStatus;
///
/// let subscription = polar.subscriptions().get(&subscription_id).await?;
/// let customer = subscription.customer_id.clone().unwrap();
/// let live: Vec<_> = polar
///     .subscriptions()
///     .list()
///     .customer_id(customer)
///     .status(SubscriptionStatus::Active)
///     .status(SubscriptionStatus::Trialing)
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(live.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListSubscriptions {
    core: Core,
    customer_ids: Vec<CustomerId>,
    external_customer_ids: Vec<String>,
    product_ids: Vec<ProductId>,
    statuses: Vec<SubscriptionStatus>,
    page_size: u32,
}

impl Subscriptions {
    /// Lists subscriptions: a [`ListSubscriptions`] builder without filters.
    ///
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let theirs = polar.subscriptions().list().external_customer_id("usr_7").stream();
    /// # drop(theirs);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn list(&self) -> ListSubscriptions {
        ListSubscriptions {
            core: self.core.clone(),
            customer_ids: Vec::new(),
            external_customer_ids: Vec::new(),
            product_ids: Vec::new(),
            statuses: Vec::new(),
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl ListSubscriptions {
    /// Only subscriptions of this customer (Polar ID); call again to add customers.
    pub fn customer_id(mut self, id: impl Into<CustomerId>) -> Self {
        self.customer_ids.push(id.into());
        self
    }

    /// Only subscriptions of the customer with this external ID; call again to add customers.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_customer_ids.push(external_id.into());
        self
    }

    /// Only subscriptions to this product; call again to add products.
    pub fn product_id(mut self, id: impl Into<ProductId>) -> Self {
        self.product_ids.push(id.into());
        self
    }

    /// Only subscriptions with this status; call again to add statuses (any of them matches).
    pub fn status(mut self, status: SubscriptionStatus) -> Self {
        self.statuses.push(status);
        self
    }

    /// How many subscriptions to fetch per request: 1 to 100 (the default); 0 is refused when
    /// the stream starts.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(MAX_PAGE_SIZE);
        self
    }

    /// Walks the pages, yielding each matching subscription once. Each page is one read through
    /// the retry loop; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0, a customer
    /// or product ID that is not a UUID, or an empty external ID; otherwise the errors of
    /// [`Subscriptions::get`].
    pub fn stream(self) -> Walk<Subscription> {
        let checked = self
            .problems()
            .map_err(|problems| Error::InvalidInput { problems });
        let listing = Listing {
            filters: self.query_pairs(),
            limit: self.page_size,
            core: self.core,
            operation: "subscriptions:list",
            operation_id: "subscriptions_list",
            path: "/v1/subscriptions/".to_owned(),
            key,
        };
        Walk::new(listing, checked)
    }

    fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        for id in &self.customer_ids {
            check.uuid("customer_id", id);
        }
        for id in &self.product_ids {
            check.uuid("product_id", id);
        }
        for id in &self.external_customer_ids {
            check.clean("external_customer_id", id);
        }
        check.finish()
    }

    fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut add = |name: &str, value: &str| pairs.push((name.to_owned(), value.to_owned()));
        for id in &self.customer_ids {
            add("customer_id", id);
        }
        for id in &self.external_customer_ids {
            add("external_customer_id", id);
        }
        for id in &self.product_ids {
            add("product_id", id);
        }
        for status in &self.statuses {
            add("status", status.code());
        }
        pairs
    }
}

/// A subscription's ID, by which the walk recognises it on another page.
fn key(s: &Subscription) -> &str {
    &s.id
}
