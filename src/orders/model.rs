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
/// assert_eq!(order.status, OrderStatus::Paid);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Order {
    /// Polar's ID of the order.
    pub id: OrderId,
    /// Where it is.
    #[serde(
        default = "unknown_status",
        deserialize_with = "crate::subscriptions::model::open_or_unknown"
    )]
    pub status: OrderStatus,
    /// Why it was made.
    #[serde(default)]
    pub billing_reason: Option<BillingReason>,
    /// When it was created.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub created_at: Option<DateTime<Utc>>,
    /// The total charged, in cents, tax included.
    #[serde(default)]
    pub total_amount: Option<i64>,
    /// The amount before tax, in cents.
    #[serde(default)]
    pub net_amount: Option<i64>,
    /// The tax, in cents.
    #[serde(default)]
    pub tax_amount: Option<i64>,
    /// What has been refunded, in cents.
    #[serde(default)]
    pub refunded_amount: Option<i64>,
    /// Lower-case ISO 4217 currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The product.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// The subscription it bills, if any.
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
    /// The checkout it came from, if any.
    #[serde(default)]
    pub checkout_id: Option<CheckoutId>,
    /// The name on the invoice.
    #[serde(default)]
    pub billing_name: Option<String>,
    /// The address on the invoice.
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// The invoice number.
    #[serde(default)]
    pub invoice_number: Option<String>,
    /// Whether an invoice has been generated.
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub is_invoice_generated: bool,
    /// The metadata (copied from the checkout).
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    pub metadata: BTreeMap<String, MetadataValue>,
}

fn unknown_status() -> OrderStatus {
    OrderStatus::Other(String::new())
}

/// A link to a generated document (invoice or receipt). The link is presigned and expires: fetch
/// it again rather than storing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentUrl {
    /// Where to download the PDF.
    pub url: String,
}
