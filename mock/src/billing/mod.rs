//! Billing in the mock: products a test seeds ([`MockProduct`]), checkouts, subscriptions and
//! orders with Polar's semantics (`server/polar/{checkout,subscription,order}/service.py`), and
//! [`MockPolar::complete_checkout`], which completes a checkout as the buyer would.
//!
//! Subscriptions live with their customer (the same list the customer state reads), so a
//! subscription changed here shows in `GET /v1/customers/{id}/state` at once. Products,
//! checkouts and orders live in [`Billing`], part of the mock's locked data. Every route here goes
//! through the same pipeline as the customer routes, so `fail_next`/`fail_next_matching` faults
//! hit them too.

mod checkouts;
mod complete;
mod orders;
mod products;
pub(crate) mod store;
mod subscriptions;

pub use complete::{Buyer, CompletedCheckout};
pub use products::MockProduct;
pub(crate) use store::Billing;

use super::call::Call;
use super::reply::Reply;
use super::routes::Endpoint;
use super::stamp;
use serde_json::{Value, json};

/// Answers a billing endpoint.
pub(crate) fn answer(call: &Call<'_>, endpoint: &Endpoint) -> Reply {
    match endpoint {
        Endpoint::Subscriptions => subscriptions::list(call),
        Endpoint::Subscription(id) => subscriptions::answer(call, id),
        Endpoint::Checkouts => checkouts::collection(call),
        Endpoint::Checkout(id) => checkouts::answer(call, id),
        Endpoint::Orders => orders::list(call),
        Endpoint::Order(id) => orders::answer(call, id),
        Endpoint::OrderInvoice(id) => orders::invoice(call, id),
        Endpoint::OrderReceipt(id) => orders::receipt(call, id),
        _ => Reply::not_found(),
    }
}

/// A page of `items` as Polar lists them (`page` and `limit` from the query, defaults 1 and 10).
pub(crate) fn page(items: Vec<Value>, pairs: &[(String, String)]) -> Reply {
    let number = |name: &str, default: usize| {
        pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let page = number("page", 1);
    let limit = number("limit", 10).min(100);
    let total = items.len();
    let max_page = total.div_ceil(limit).max(1);
    let items: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .collect();
    Reply::json(
        200,
        &json!({"items": items, "pagination": {"total_count": total, "max_page": max_page}}),
    )
}

/// The values of a repeatable query parameter.
pub(crate) fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// A Polar `PolarError` body: `{"error": code, "detail": detail}` with `status`.
pub(crate) fn polar_error(status: u16, code: &str, detail: &str) -> Reply {
    Reply::json(status, &json!({"error": code, "detail": detail}))
}

/// The current time as Polar writes it.
pub(crate) fn now() -> String {
    stamp::now()
}
