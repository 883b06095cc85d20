//! Listing orders (`orders:list`): the [`ListOrders`] builder; the pages are walked by
//! the crate's one page walk (`Walk`).

use super::Orders;
use super::model::{Order, OrderStatus};
use crate::core::Core;
use crate::core::paging::{Listing, Walk};
use crate::error::Error;
use crate::validate::Checker;

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
    /// (query name, value, whether it must be a UUID)
    filters: Vec<(&'static str, String, bool)>,
    page_size: u32,
}

impl Orders {
    /// Lists orders: a [`ListOrders`] builder without filters.
    pub fn list(&self) -> ListOrders {
        ListOrders {
            core: self.core.clone(),
            filters: Vec::new(),
            page_size: 100,
        }
    }
}

impl ListOrders {
    fn filter(mut self, name: &'static str, value: String, uuid: bool) -> Self {
        self.filters.push((name, value, uuid));
        self
    }

    /// Only orders of this customer (Polar ID).
    pub fn customer_id(self, id: impl Into<String>) -> Self {
        self.filter("customer_id", id.into(), true)
    }

    /// Only orders of the customer with this external ID.
    pub fn external_customer_id(self, external_id: impl Into<String>) -> Self {
        self.filter("external_customer_id", external_id.into(), false)
    }

    /// Only the order(s) of this checkout.
    pub fn checkout_id(self, id: impl Into<String>) -> Self {
        self.filter("checkout_id", id.into(), true)
    }

    /// Only orders billing this subscription.
    pub fn subscription_id(self, id: impl Into<String>) -> Self {
        self.filter("subscription_id", id.into(), true)
    }

    /// Only orders of this product.
    pub fn product_id(self, id: impl Into<String>) -> Self {
        self.filter("product_id", id.into(), true)
    }

    /// Only orders with this status; call again to add statuses.
    pub fn status(self, status: OrderStatus) -> Self {
        self.filter("status", status.code().to_owned(), false)
    }

    /// Orders per request: 1 to 100 (the default).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(100);
        self
    }

    /// Walks the pages, yielding each order once; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0 or an ID that
    /// is not a UUID; otherwise the errors of [`Orders::get`].
    pub fn stream(self) -> Walk<Order> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        let mut query = Vec::new();
        for (name, value, uuid) in self.filters {
            if uuid {
                check.uuid(name, &value);
            } else {
                check.clean(name, &value);
            }
            query.push((name.to_owned(), value));
        }
        let listing = Listing {
            core: self.core,
            operation: "orders:list",
            operation_id: "orders_list",
            path: "/v1/orders/".to_owned(),
            filters: query,
            limit: self.page_size,
            key,
        };
        Walk::new(
            listing,
            check
                .finish()
                .map_err(|problems| Error::InvalidInput { problems }),
        )
    }
}

/// A order's ID, by which the walk recognises it on another page.
fn key(o: &Order) -> &str {
    o.id()
}
