//! [`NewCheckout`]: what to create a checkout with, checked before anything is sent, and
//! [`CheckoutUpdate`]: what to change on an open one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::id::{CustomerId, ProductId};
use crate::metadata::MetadataValue;
use crate::validate::{Checker, InputProblem};

/// How long a trial lasts, per unit (Polar's `TrialInterval`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TrialInterval {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

/// A checkout to create with [`Checkouts::create`](crate::Checkouts::create): the products to
/// offer (the first is selected), who buys, and what follows.
///
/// **Which customer pays** (Polar decides at payment, not at create):
/// - [`NewCheckout::for_customer`] (a Polar customer ID): that customer, always;
/// - [`NewCheckout::for_external_customer`] (your user ID and their email): when a customer with
///   that email exists at payment, **that** customer is used and your external ID is silently not
///   applied to it; otherwise a customer is created with both (or the payment fails when another
///   customer holds the external ID with a different email). Read the order's customer
///   afterwards rather than assuming;
/// - [`NewCheckout::customer_email`] only: the customer with that email, or a new one.
///
/// ```
/// use polar_client::NewCheckout;
///
/// let checkout = NewCheckout::new(["5b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d"])
///     .for_external_customer("usr_7", "jane@example.org")
///     .success_url("https://example.org/welcome?checkout={CHECKOUT_ID}")
///     .metadata("order_ref", "ref_42");
/// # let _ = checkout;
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[must_use]
pub struct NewCheckout {
    products: Vec<ProductId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<CustomerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_url: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, MetadataValue>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    customer_metadata: BTreeMap<String, MetadataValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trial_interval: Option<TrialInterval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trial_interval_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_trial: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats: Option<u32>,
}

impl NewCheckout {
    /// A checkout offering these products (at least one; the first is selected).
    pub fn new<P: Into<ProductId>>(products: impl IntoIterator<Item = P>) -> Self {
        Self {
            products: products.into_iter().map(Into::into).collect(),
            customer_id: None,
            external_customer_id: None,
            customer_email: None,
            customer_name: None,
            success_url: None,
            metadata: BTreeMap::new(),
            customer_metadata: BTreeMap::new(),
            discount_id: None,
            trial_interval: None,
            trial_interval_count: None,
            allow_trial: None,
            seats: None,
        }
    }

    /// For the existing customer with this Polar ID (it must exist; Polar prefills the email,
    /// name and billing details from it).
    pub fn for_customer(mut self, id: impl Into<CustomerId>) -> Self {
        self.customer_id = Some(id.into());
        self
    }

    /// For your user `external_id`, paying with `email` (see the type's docs for which customer
    /// Polar then uses).
    pub fn for_external_customer(
        mut self,
        external_id: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        self.external_customer_id = Some(external_id.into());
        self.customer_email = Some(email.into());
        self
    }

    /// Prefills the buyer's email.
    pub fn customer_email(mut self, email: impl Into<String>) -> Self {
        self.customer_email = Some(email.into());
        self
    }

    /// Prefills the buyer's name.
    pub fn customer_name(mut self, name: impl Into<String>) -> Self {
        self.customer_name = Some(name.into());
        self
    }

    /// Where the buyer goes after paying; `{CHECKOUT_ID}` is sent as it is and Polar replaces it
    /// with the checkout's ID.
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.success_url = Some(url.into());
        self
    }

    /// A metadata entry, copied to the order and the subscription (put your own correlation ID
    /// here).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// A metadata entry merged into the customer's metadata when the checkout succeeds
    /// (overwriting that key, keeping the others).
    pub fn customer_metadata(
        mut self,
        key: impl Into<String>,
        value: impl Into<MetadataValue>,
    ) -> Self {
        self.customer_metadata.insert(key.into(), value.into());
        self
    }

    /// A discount applied from the start.
    pub fn discount_id(mut self, id: impl Into<String>) -> Self {
        self.discount_id = Some(id.into());
        self
    }

    /// A trial of `count` (1 to 1000) `interval`s, overriding the product's.
    pub fn trial(mut self, interval: TrialInterval, count: u32) -> Self {
        self.trial_interval = Some(interval);
        self.trial_interval_count = Some(count);
        self
    }

    /// Whether the product's trial applies (`false` turns it off).
    pub fn allow_trial(mut self, allow: bool) -> Self {
        self.allow_trial = Some(allow);
        self
    }

    /// The seat count (1 to 10000), for seat-based products.
    pub fn seats(mut self, seats: u32) -> Self {
        self.seats = Some(seats);
        self
    }

    /// Every problem Polar would refuse the checkout for that can be seen here.
    pub(crate) fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if self.products.is_empty() {
            check.report("products", "must name at least one product.");
        }
        for (i, id) in self.products.iter().enumerate() {
            check.uuid(&format!("products[{i}]"), id);
            if self.products[..i].contains(id) {
                check.report("products", "Product IDs must be unique.");
            }
        }
        if let Some(id) = &self.customer_id {
            check.customer_id("customer_id", id);
        }
        if let Some(external_id) = &self.external_customer_id {
            check.identifier("external_customer_id", external_id);
        }
        if let Some(email) = &self.customer_email {
            check.email("customer_email", email);
        }
        if let Some(url) = &self.success_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            check.report("success_url", "must be an absolute http(s) URL.");
        }
        if let Some(id) = &self.discount_id {
            check.uuid("discount_id", id);
        }
        if self
            .trial_interval_count
            .is_some_and(|n| !(1..=1000).contains(&n))
        {
            check.report("trial_interval_count", "must be between 1 and 1000.");
        }
        if self.seats.is_some_and(|n| !(1..=10_000).contains(&n)) {
            check.report("seats", "must be between 1 and 10000.");
        }
        check.finish()
    }
}

/// Changes to an open checkout, for [`Checkouts::update`](crate::Checkouts::update): only what
/// is set is sent. Polar refuses changes once the checkout is no longer open (`403
/// NotOpenCheckout`).
///
/// ```
/// use polar_client::CheckoutUpdate;
///
/// let change = CheckoutUpdate::new().remove_discount().metadata("step", "upsell");
/// # let _ = change;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[must_use]
pub struct CheckoutUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<ProductId>,
    /// `Some(None)` removes the discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    discount_id: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<String, MetadataValue>>,
}

impl CheckoutUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Selects another of the checkout's products (a discount that no longer applies is
    /// silently removed by Polar).
    pub fn product_id(mut self, id: impl Into<ProductId>) -> Self {
        self.product_id = Some(id.into());
        self
    }

    /// Applies a discount.
    pub fn discount_id(mut self, id: impl Into<String>) -> Self {
        self.discount_id = Some(Some(id.into()));
        self
    }

    /// Removes the discount.
    pub fn remove_discount(mut self) -> Self {
        self.discount_id = Some(None);
        self
    }

    /// Sets the buyer's email (Polar ignores it when a customer is linked).
    pub fn customer_email(mut self, email: impl Into<String>) -> Self {
        self.customer_email = Some(email.into());
        self
    }

    /// A metadata entry; the entries given **replace** the checkout's whole metadata map.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.metadata
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }

    pub(crate) fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if let Some(id) = &self.product_id {
            check.uuid("product_id", id);
        }
        if let Some(Some(id)) = &self.discount_id {
            check.uuid("discount_id", id);
        }
        if let Some(email) = &self.customer_email {
            check.email("customer_email", email);
        }
        check.finish()
    }
}
