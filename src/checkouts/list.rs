//! Listing checkouts (`checkouts:list`): the [`ListCheckouts`] builder; the pages are walked by
//! the crate's one page walk (`Walk`).

use super::Checkouts;
use super::model::{Checkout, CheckoutStatus};
use crate::core::Core;
use crate::core::paging::{Filters, Walk};
use crate::id::{CustomerId, ProductId};

/// A checkout listing, newest first, walked with [`ListCheckouts::stream`]. From
/// [`Checkouts::list`]. Polar cannot filter on metadata.
///
/// [`ListCheckouts::external_customer_id`] matches through the **linked** customer: checkouts of
/// a customer not created yet (only the external ID stored on the checkout) are not found by it.
///
/// ```no_run
/// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
/// use futures_util::TryStreamExt;
/// use polar_client::CheckoutStatus;
///
/// let open: Vec<_> = polar
///     .checkouts()
///     .list()
///     .customer_id("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
///     .status(CheckoutStatus::Open)
///     .stream()
///     .try_collect()
///     .await?;
/// # let _ = open;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListCheckouts {
    core: Core,
    filters: Filters,
}

impl Checkouts {
    /// Lists checkouts: a [`ListCheckouts`] builder without filters.
    pub fn list(&self) -> ListCheckouts {
        ListCheckouts {
            core: self.core.clone(),
            filters: Filters::default(),
        }
    }
}

impl ListCheckouts {
    /// Only checkouts linked to this customer; call again to add customers.
    pub fn customer_id(mut self, id: impl Into<CustomerId>) -> Self {
        self.filters.id("customer_id", id.into());
        self
    }

    /// Only checkouts linked to the customer with this external ID.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.filters.text("external_customer_id", external_id);
        self
    }

    /// Only checkouts for this product.
    pub fn product_id(mut self, id: impl Into<ProductId>) -> Self {
        self.filters.id("product_id", id.into());
        self
    }

    /// Only checkouts with this status; call again to add statuses.
    pub fn status(mut self, status: CheckoutStatus) -> Self {
        self.filters.code("status", status.code());
        self
    }

    /// Checkouts per request: 1 to 100 (the default).
    pub fn page_size(mut self, size: u32) -> Self {
        self.filters.page_size(size);
        self
    }

    /// Walks the pages, yielding each checkout once; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0 or an ID that
    /// is not a UUID; otherwise the errors of [`Checkouts::get`].
    ///
    /// [`Error::InvalidInput`]: crate::Error::InvalidInput
    pub fn stream(self) -> Walk<Checkout> {
        let path = "/v1/checkouts/";
        (self.filters).walk(self.core, "checkouts:list", "checkouts_list", path, key)
    }
}

/// A checkout's ID, by which the walk recognises it on another page.
fn key(c: &Checkout) -> &str {
    c.id()
}
