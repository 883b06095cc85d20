//! Orders: list (`customer_id`, `external_customer_id`, `checkout_id`, `subscription_id`,
//! `product_id`, `status` filters, newest first), get, billing details (`PATCH`: country and
//! state fixed once set), invoice (`POST` 202 then a job; `GET` 404 until it ran) and receipt. One order per charge; a checkout's
//! order is created already `paid`.

use super::super::call::Call;
use super::super::reply::{Reply, error_item};
use super::super::state::Data;
use super::super::{query, schema, stamp};
use super::{now, page, polar_error, values};
use hyper::Method;
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

/// The index of the order `raw_id` names among those the caller sees.
fn find(call: &Call<'_>, data: &Data, raw_id: &str) -> Result<usize, Reply> {
    let id = schema::uuid_at(&["path", "id"], raw_id, true)
        .map_err(|item| Reply::schema_error(vec![item]))?
        .to_string();
    let visible = |customer: &str| {
        data.visible(call.identity)
            .any(|(_, stored)| stored.id.to_string() == customer)
    };
    data.billing
        .orders
        .iter()
        .position(|o| {
            o["id"].as_str() == Some(&id) && o["customer_id"].as_str().is_some_and(visible)
        })
        .ok_or_else(|| Reply::resource_not_found("Not found"))
}

/// `GET` or `PATCH` (billing name and address) of `/v1/orders/{id}`.
pub(crate) fn answer(call: &Call<'_>, raw_id: &str) -> Reply {
    let mut guard = call.state.lock();
    let data = &mut *guard;
    let index = match find(call, data, raw_id) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    if *call.method == Method::GET {
        return Reply::json(200, &data.billing.orders[index]);
    }
    let fields = match schema::object_body(call.body) {
        Ok(fields) => fields.clone(),
        Err(items) => return Reply::schema_error(items),
    };
    let order = &mut data.billing.orders[index];
    if let Some(address) = fields.get("billing_address").filter(|a| a.is_object()) {
        let old = &order["billing_address"];
        let mut items = Vec::new();
        if old.is_object() {
            for key in ["country", "state"] {
                if old[key] != address[key] {
                    let label = if key == "country" { "Country" } else { "State" };
                    items.push(error_item(
                        "value_error",
                        vec![json!("body"), json!("billing_address"), json!(key)],
                        format!("{label} cannot be changed"),
                        address[key].clone(),
                    ));
                }
            }
        }
        if !items.is_empty() {
            return Reply::business_error(items);
        }
    }
    for key in ["billing_name", "billing_address"] {
        if let Some(value) = fields.get(key) {
            order[key] = value.clone();
        }
    }
    order["modified_at"] = json!(now());
    let body = order.clone();
    data.events.emit("order.updated", body.clone());
    Reply::json(200, &body)
}

/// `POST` (generate: 202, rendered by a background job) or `GET` (404 until rendered) of
/// `/v1/orders/{id}/invoice`.
pub(crate) fn invoice(call: &Call<'_>, raw_id: &str) -> Reply {
    let mut guard = call.state.lock();
    let data = &mut *guard;
    let index = match find(call, data, raw_id) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    let order = &data.billing.orders[index];
    let id = order["id"].as_str().unwrap_or_default().to_owned();
    if *call.method == Method::POST {
        if ["draft", "void"].contains(&order["status"].as_str().unwrap_or("")) {
            return polar_error(
                409,
                "OrderNotEligibleForInvoice",
                "Order is not eligible for an invoice.",
            );
        }
        if order["billing_name"].is_null() || order["billing_address"].is_null() {
            return polar_error(
                422,
                "MissingInvoiceBillingDetails",
                "Billing name and address are required to generate an invoice for this order.",
            );
        }
        // The job runs later: the first read after a request still finds nothing.
        if !data.billing.orders[index]["is_invoice_generated"]
            .as_bool()
            .unwrap_or(false)
        {
            data.billing.invoices.insert(id, 1);
        }
        return Reply::empty(202);
    }
    match data.billing.invoices.get_mut(&id) {
        Some(0) => Reply::json(
            200,
            &json!({"url": format!("{}/invoices/{id}.pdf", call.origin)}),
        ),
        Some(pending) => {
            *pending -= 1;
            if *pending == 0 {
                data.billing.orders[index]["is_invoice_generated"] = json!(true);
                let body = data.billing.orders[index].clone();
                data.events.emit("order.updated", body);
            }
            polar_error(
                404,
                "InvoiceDoesNotExist",
                &format!("No invoice exists for order {id}."),
            )
        }
        None => polar_error(
            404,
            "InvoiceDoesNotExist",
            &format!("No invoice exists for order {id}."),
        ),
    }
}

/// `GET /v1/orders/{id}/receipt`: paid orders have one.
pub(crate) fn receipt(call: &Call<'_>, raw_id: &str) -> Reply {
    let guard = call.state.lock();
    let index = match find(call, &guard, raw_id) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    let order = &guard.billing.orders[index];
    if order["status"] == "paid"
        || order["status"] == "refunded"
        || order["status"] == "partially_refunded"
    {
        let id = order["id"].as_str().unwrap_or_default();
        Reply::json(
            200,
            &json!({"url": format!("{}/receipts/{id}.pdf", call.origin)}),
        )
    } else {
        polar_error(
            404,
            "ReceiptNotAllocated",
            "No receipt was allocated for this order.",
        )
    }
}
