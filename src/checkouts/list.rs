//! Listing checkouts (`checkouts:list`): the [`ListCheckouts`] builder; the pages are walked by
//! the crate's one page walk (`Walk`).

use super::Checkouts;
use super::model::{Checkout, CheckoutStatus};
use crate::core::Core;
use crate::core::paging::{Listing, Walk};
use crate::error::Error;
use crate::id::{CustomerId, ProductId};
use crate::validate::Checker;

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
    customer_ids: Vec<CustomerId>,
    external_customer_ids: Vec<String>,
    product_ids: Vec<ProductId>,
    statuses: Vec<CheckoutStatus>,
    page_size: u32,
}

impl Checkouts {
    /// Lists checkouts: a [`ListCheckouts`] builder without filters.
    pub fn list(&self) -> ListCheckouts {
        ListCheckouts {
            core: self.core.clone(),
            customer_ids: Vec::new(),
            external_customer_ids: Vec::new(),
            product_ids: Vec::new(),
            statuses: Vec::new(),
            page_size: 100,
        }
    }
}

impl ListCheckouts {
    /// Only checkouts linked to this customer; call again to add customers.
    pub fn customer_id(mut self, id: impl Into<CustomerId>) -> Self {
        self.customer_ids.push(id.into());
        self
    }

    /// Only checkouts linked to the customer with this external ID.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_customer_ids.push(external_id.into());
        self
    }

    /// Only checkouts for this product.
    pub fn product_id(mut self, id: impl Into<ProductId>) -> Self {
        self.product_ids.push(id.into());
        self
    }

    /// Only checkouts with this status; call again to add statuses.
    pub fn status(mut self, status: CheckoutStatus) -> Self {
        self.statuses.push(status);
        self
    }

    /// Checkouts per request: 1 to 100 (the default).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(100);
        self
    }

    /// Walks the pages, yielding each checkout once; an error ends the stream after it is yielded.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for a page size of 0 or an ID that
    /// is not a UUID; otherwise the errors of [`Checkouts::get`].
    pub fn stream(self) -> Walk<Checkout> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        let mut query = Vec::new();
        for id in &self.customer_ids {
            check.uuid("customer_id", id);
            query.push(("customer_id".to_owned(), id.to_string()));
        }
        for id in &self.external_customer_ids {
            check.clean("external_customer_id", id);
            query.push(("external_customer_id".to_owned(), id.clone()));
        }
        for id in &self.product_ids {
            check.uuid("product_id", id);
            query.push(("product_id".to_owned(), id.to_string()));
        }
        for status in &self.statuses {
            query.push(("status".to_owned(), status.code().to_owned()));
        }
        let listing = Listing {
            core: self.core,
            operation: "checkouts:list",
            operation_id: "checkouts_list",
            path: "/v1/checkouts/".to_owned(),
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

/// A checkout's ID, by which the walk recognises it on another page.
fn key(c: &Checkout) -> &str {
    c.id()
}
