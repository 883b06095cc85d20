//! Orders: list (`customer_id`, `external_customer_id`, `checkout_id`, `subscription_id`,
//! `product_id`, `status` filters, newest first) and get. One order per charge; a checkout's
//! order is created already `paid`.

use super::super::app::Call;
use super::super::reply::Reply;
use super::super::{query, schema, stamp};
use super::{now, page, values};
use serde_json::{Value, json};

/// A paid order of `amount` cents (USD).
pub(crate) fn render(
    customer_id: Value,
    product_id: Value,
    subscription_id: Value,
    checkout_id: Value,
    amount: i64,
    billing_reason: &str,
) -> Value {
    json!({
        "id": stamp::new_id(),
        "created_at": now(),
        "modified_at": null,
        "status": "paid",
        "paid": true,
        "subtotal_amount": amount,
        "discount_amount": 0,
        "net_amount": amount,
        "tax_amount": 0,
        "total_amount": amount,
        "applied_balance_amount": 0,
        "due_amount": 0,
        "refunded_amount": 0,
        "refunded_tax_amount": 0,
        "currency": "usd",
        "billing_reason": billing_reason,
        "billing_name": null,
        "billing_address": null,
        "invoice_number": format!("MOCK-{:04}", fastrand::u16(..)),
        "is_invoice_generated": false,
        "receipt_number": null,
        "customer_id": customer_id,
        "product_id": product_id,
        "discount_id": null,
        "subscription_id": subscription_id,
        "checkout_id": checkout_id,
        "metadata": {},
    })
}

/// `GET /v1/orders/`.
pub(crate) fn list(call: &Call<'_>) -> Reply {
    let pairs = query::pairs(call.query).unwrap_or_default();
    let data = call.state.lock();
    let visible: Vec<String> = data
        .visible(call.identity)
        .map(|(_, stored)| stored.id.to_string())
        .collect();
    let externals = values(&pairs, "external_customer_id");
    let by_external: Vec<String> = data
        .visible(call.identity)
        .filter(|(_, s)| s.external_id().is_some_and(|e| externals.contains(&e)))
        .map(|(_, s)| s.id.to_string())
        .collect();
    let filter = |order: &Value, name: &str| {
        let wanted = values(&pairs, name);
        wanted.is_empty() || wanted.iter().any(|w| order[name] == *w)
    };
    let mut items: Vec<Value> = data
        .billing
        .orders
        .iter()
        .filter(|o| {
            o["customer_id"]
                .as_str()
                .is_some_and(|c| visible.iter().any(|v| v == c))
        })
        .filter(|o| {
            externals.is_empty()
                || o["customer_id"]
                    .as_str()
                    .is_some_and(|c| by_external.iter().any(|v| v == c))
        })
        .filter(|o| {
            [
                "customer_id",
                "checkout_id",
                "subscription_id",
                "product_id",
                "status",
            ]
            .iter()
            .all(|name| filter(o, name))
        })
        .cloned()
        .collect();
    items.reverse();
    page(items, &pairs)
}

/// `GET /v1/orders/{id}`.
pub(crate) fn answer(call: &Call<'_>, raw_id: &str) -> Reply {
    let id = match schema::uuid_at(&["path", "id"], raw_id, true) {
        Ok(id) => id.to_string(),
        Err(item) => return Reply::schema_error(vec![item]),
    };
    let data = call.state.lock();
    let visible = |customer: &str| {
        data.visible(call.identity)
            .any(|(_, stored)| stored.id.to_string() == customer)
    };
    match data
        .billing
        .orders
        .iter()
        .find(|o| o["id"].as_str() == Some(&id))
    {
        Some(order) if order["customer_id"].as_str().is_some_and(visible) => {
            Reply::json(200, order)
        }
        _ => Reply::resource_not_found("Not found"),
    }
}
