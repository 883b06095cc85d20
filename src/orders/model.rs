//! [`Order`]: an order as Polar returns it, decoded leniently, and the document links
//! ([`DocumentUrl`]) of its invoice and receipt.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::id::{CheckoutId, CustomerId, OrderId, ProductId, SubscriptionId};
use crate::metadata::MetadataValue;
use crate::open_enum::open_enum;

open_enum! {
    /// Where an order is (Polar's `OrderStatus`). A checkout's order is created already `paid`;
    /// a renewal's starts `pending`.
    ///
    /// ```
    /// use polar_client::OrderStatus;
    ///
    /// assert_eq!(OrderStatus::PartiallyRefunded.code(), "partially_refunded");
    /// ```
    pub enum OrderStatus ("An order with status") {
        Draft => "draft",
        Pending => "pending",
        Paid => "paid",
        Refunded => "refunded",
        PartiallyRefunded => "partially_refunded",
        Void => "void",
    }
    /// A status this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "an order status string"
}

open_enum! {
    /// Why an order was made (Polar's `OrderBillingReason`).
    ///
    /// ```
    /// use polar_client::BillingReason;
    ///
    /// assert_eq!(BillingReason::SubscriptionCycle.code(), "subscription_cycle");
    /// ```
    pub enum BillingReason ("An order made for") {
        Purchase => "purchase",
        SubscriptionCreate => "subscription_create",
        SubscriptionCycle => "subscription_cycle",
        SubscriptionUpdate => "subscription_update",
    }
    /// A reason this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a billing reason string"
}

/// An order as Polar returns it. Only `id` is required; unknown fields are ignored and unknown
/// statuses and reasons read as `Other(..)`.
///
/// ```
/// use polar_client::{Order, OrderStatus};
///
/// let order: Order = serde_json::from_str(r#"{
///     "id": "7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f",
///     "status": "paid",
///     "total_amount": 1900,
///     "billing_reason": "a_new_reason",
///     "novel": true
/// }"#)?;
/// assert_eq!(order.status(), &OrderStatus::Paid);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    id: OrderId,
    #[serde(
        default = "unknown_status",
        deserialize_with = "crate::subscriptions::model::open_or_unknown"
    )]
    status: OrderStatus,
    #[serde(default)]
    billing_reason: Option<BillingReason>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    total_amount: Option<i64>,
    #[serde(default)]
    net_amount: Option<i64>,
    #[serde(default)]
    tax_amount: Option<i64>,
    #[serde(default)]
    refunded_amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    product_id: Option<ProductId>,
    #[serde(default)]
    subscription_id: Option<SubscriptionId>,
    #[serde(default)]
    checkout_id: Option<CheckoutId>,
    #[serde(default)]
    billing_name: Option<String>,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    is_invoice_generated: bool,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    metadata: BTreeMap<String, MetadataValue>,
}

impl Order {
    /// Polar's ID of the order.
    pub fn id(&self) -> &OrderId {
        &self.id
    }

    /// Where it is.
    pub fn status(&self) -> &OrderStatus {
        &self.status
    }

    /// Why it was made.
    pub fn billing_reason(&self) -> Option<&BillingReason> {
        self.billing_reason.as_ref()
    }

    /// When it was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// The total charged, in cents, tax included.
    pub fn total_amount(&self) -> Option<i64> {
        self.total_amount
    }

    /// The amount before tax, in cents.
    pub fn net_amount(&self) -> Option<i64> {
        self.net_amount
    }

    /// The tax, in cents.
    pub fn tax_amount(&self) -> Option<i64> {
        self.tax_amount
    }

    /// What has been refunded, in cents.
    pub fn refunded_amount(&self) -> Option<i64> {
        self.refunded_amount
    }

    /// Lower-case ISO 4217 currency.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// The customer.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The product.
    pub fn product_id(&self) -> Option<&ProductId> {
        self.product_id.as_ref()
    }

    /// The subscription it bills, if any.
    pub fn subscription_id(&self) -> Option<&SubscriptionId> {
        self.subscription_id.as_ref()
    }

    /// The checkout it came from, if any.
    pub fn checkout_id(&self) -> Option<&CheckoutId> {
        self.checkout_id.as_ref()
    }

    /// The name on the invoice.
    pub fn billing_name(&self) -> Option<&str> {
        self.billing_name.as_deref()
    }

    /// The address on the invoice.
    pub fn billing_address(&self) -> Option<&Address> {
        self.billing_address.as_ref()
    }

    /// The invoice number.
    pub fn invoice_number(&self) -> Option<&str> {
        self.invoice_number.as_deref()
    }

    /// Whether an invoice has been generated.
    pub fn is_invoice_generated(&self) -> bool {
        self.is_invoice_generated
    }

    /// The metadata (copied from the checkout).
    pub fn metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.metadata
    }
}

fn unknown_status() -> OrderStatus {
    OrderStatus::Other(String::new())
}

/// A link to a generated document (invoice or receipt). The link is presigned and expires: fetch
/// it again rather than storing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentUrl {
    url: String,
}

impl DocumentUrl {
    /// Where to download the PDF.
    pub fn url(&self) -> &str {
        &self.url
    }
}
