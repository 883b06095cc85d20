//! [`Billing`]: the billing objects the mock's store holds (products, checkouts, orders, the
//! payment switch, invoices being rendered). A leaf: the store imports it, and it imports nothing
//! of the mock.

use serde_json::Value;

/// The billing objects of the mock's organization.
#[derive(Default)]
pub(crate) struct Billing {
    /// `Product` bodies, in the order the test added them.
    pub(crate) products: Vec<Value>,
    /// `Checkout` bodies (with `{CHECKOUT_ID}` kept in `success_url`), oldest first.
    pub(crate) checkouts: Vec<Value>,
    /// `Order` bodies, oldest first: one per charge.
    pub(crate) orders: Vec<Value>,
    /// Whether every charge made during a request is declined (`402 PaymentFailed`).
    pub(crate) decline_payments: bool,
    /// Orders whose invoice was requested, with how many reads still answer `404` before the
    /// background job has rendered it.
    pub(crate) invoices: std::collections::HashMap<String, u32>,
}
