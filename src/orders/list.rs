//! Listing orders (`orders:list`): the [`ListOrders`] builder; the pages are walked by
//! the crate's one page walk (`Walk`).

use super::Orders;
use super::model::{Order, OrderStatus};
use crate::core::Core;
use crate::core::paging::{Filters, Walk};

/// An order listing, newest first, walked with [`ListOrders::stream`]. From [`Orders::list`].
/// To find the order a checkout made, filter by [`ListOrders::checkout_id`] rather than guess
/// from timing.
///
/// ```no_run
/// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
/// use futures_util::TryStreamExt;
///
/// let of_checkout: Vec<_> = polar
///     .orders()
///     .list()
///     .checkout_id("0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b")
///     .stream()
///     .try_collect()
///     .await?;
/// # let _ = of_checkout;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListOrders {
    core: Core,
    filters: Filters,
}

impl Orders {
    /// Lists orders: a [`ListOrders`] builder without filters.
    pub fn list(&self) -> ListOrders {
        ListOrders {
            core: self.core.clone(),
            filters: Filters::default(),
        }
    }
}

impl ListOrders {
    /// Only orders of this customer (Polar ID).
    pub fn customer_id(mut self, id: impl Into<String>) -> Self {
        self.filters.id("customer_id", id);
        self
    }

    /// Only orders of the customer with this external ID.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.filters.text("external_customer_id", external_id);
        self
    }

    /// Only the order(s) of this checkout.
    pub fn checkout_id(mut self, id: impl Into<String>) -> Self {
        self.filters.id("checkout_id", id);
        self
    }

    /// Only orders billing this subscription.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.filters.id("subscription_id", id);
        self
    }

    /// Only orders of this product.
    pub fn product_id(mut self, id: impl Into<String>) -> Self {
        self.filters.id("product_id", id);
        self
    }

    /// Only orders with this status; call again to add statuses.
    pub fn status(mut self, status: OrderStatus) -> Self {
        self.filters.text("status", status.code());
        self
    }

    /// Orders per request: 1 to 100 (the default).
    pub fn page_size(mut self, size: u32) -> Self {
        self.filters.page_size(size);
        self
    }

    /// Walks the pages, yielding each order once; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0 or an ID that
    /// is not a UUID; otherwise the errors of [`Orders::get`].
    ///
    /// [`Error::InvalidInput`]: crate::Error::InvalidInput
    pub fn stream(self) -> Walk<Order> {
        (self.filters).walk(self.core, "orders:list", "orders_list", "/v1/orders/", key)
    }
}

/// A order's ID, by which the walk recognises it on another page.
fn key(o: &Order) -> &str {
    o.id()
}
