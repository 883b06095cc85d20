//! Listing subscriptions (`subscriptions:list`): the [`ListSubscriptions`] builder; the pages are
//! walked by the crate's one page walk (`Walk`).

use super::Subscriptions;
use super::model::Subscription;
use crate::core::Core;
use crate::core::paging::{Filters, Walk};
use crate::id::{CustomerId, ProductId};
use crate::models::SubscriptionStatus;

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
/// let customer = subscription.customer_id().cloned().unwrap();
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
    filters: Filters,
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
            filters: Filters::default(),
        }
    }
}

impl ListSubscriptions {
    /// Only subscriptions of this customer (Polar ID); call again to add customers.
    pub fn customer_id(mut self, id: impl Into<CustomerId>) -> Self {
        self.filters.id("customer_id", id.into());
        self
    }

    /// Only subscriptions of the customer with this external ID; call again to add customers.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.filters.text("external_customer_id", external_id);
        self
    }

    /// Only subscriptions to this product; call again to add products.
    pub fn product_id(mut self, id: impl Into<ProductId>) -> Self {
        self.filters.id("product_id", id.into());
        self
    }

    /// Only subscriptions with this status; call again to add statuses (any of them matches).
    pub fn status(mut self, status: SubscriptionStatus) -> Self {
        self.filters.code("status", status.code());
        self
    }

    /// How many subscriptions to fetch per request: 1 to 100 (the default); 0 is refused when
    /// the stream starts.
    pub fn page_size(mut self, size: u32) -> Self {
        self.filters.page_size(size);
        self
    }

    /// Walks the pages, yielding each matching subscription once. Each page is one read through
    /// the retry loop; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0, a customer
    /// or product ID that is not a UUID, or an empty external ID; otherwise the errors of
    /// [`Subscriptions::get`].
    ///
    /// [`Error::InvalidInput`]: crate::Error::InvalidInput
    pub fn stream(self) -> Walk<Subscription> {
        let (operation, path) = ("subscriptions:list", "/v1/subscriptions/");
        (self.filters).walk(self.core, operation, "subscriptions_list", path, key)
    }
}

/// A subscription's ID, by which the walk recognises it on another page.
fn key(s: &Subscription) -> &str {
    s.id()
}
