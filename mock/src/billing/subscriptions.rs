//! Subscriptions: list, get, update (`PATCH`, one variant per body) and revoke (`DELETE`), with
//! the rules of `server/polar/subscription/service.py`: cancel/uncancel/revoke guards, product
//! changes and their proration (an `invoice` change charges during the request, `402` when the
//! card is declined), seats, discount, metadata; `subscription.updated` before the specific
//! event, then `customer.state_changed`.

use super::super::call::Call;
use super::super::reply::{Reply, error_item};
use super::super::state::Data;
use super::super::{MockPolar, query, schema, stamp};
use super::{Billing, now, page, polar_error, products, values};
use hyper::Method;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Statuses a cancellation can apply to (Polar's "billable" group).
const BILLABLE: [&str; 3] = ["trialing", "active", "past_due"];
/// The keys of each `SubscriptionUpdate` variant (each forbids any other key).
const BASE: [&str; 5] = [
    "product_id",
    "proration_behavior",
    "discount_id",
    "trial_end",
    "metadata",
];
const SEATS: [&str; 2] = ["seats", "proration_behavior"];
const CANCEL: [&str; 3] = [
    "cancel_at_period_end",
    "customer_cancellation_reason",
    "customer_cancellation_comment",
];
const REVOKE: [&str; 3] = [
    "revoke",
    "customer_cancellation_reason",
    "customer_cancellation_comment",
];

impl MockPolar {
    /// Every subscription of every customer, as served (`customer_id` filled in).
    pub fn subscriptions(&self) -> Vec<Value> {
        let data = self.state.lock();
        data.customers
            .iter()
            .flat_map(|stored| stored.subscriptions.iter().map(|s| served(stored.id, s)))
            .collect()
    }
}

/// A subscription as the API serves it: `customer_id` is its owner's id.
pub(crate) fn served(customer_id: Uuid, body: &Value) -> Value {
    let mut body = body.clone();
    if body["customer_id"].is_null() {
        body["customer_id"] = json!(customer_id);
    }
    body
}

/// Where the subscription with this id is: (customer index, subscription index), among the live
/// customers the caller sees; subscriptions Polar has not started are invisible.
fn locate(data: &Data, call: &Call<'_>, id: Uuid) -> Option<(usize, usize)> {
    let id = id.to_string();
    data.visible(call.identity).find_map(|(ci, stored)| {
        stored
            .subscriptions
            .iter()
            .position(|s| s["id"].as_str() == Some(&id) && !s["started_at"].is_null())
            .map(|si| (ci, si))
    })
}

/// `GET /v1/subscriptions/` with `customer_id`, `external_customer_id`, `product_id`, `status`
/// (each repeatable), `page`, `limit`; newest `started_at` first.
pub(crate) fn list(call: &Call<'_>) -> Reply {
    let pairs = query::pairs(call.query).unwrap_or_default();
    let customers = values(&pairs, "customer_id");
    let externals = values(&pairs, "external_customer_id");
    let products = values(&pairs, "product_id");
    let statuses = values(&pairs, "status");
    let data = call.state.lock();
    let mut items: Vec<Value> = data
        .visible(call.identity)
        .filter(|(_, stored)| {
            (customers.is_empty() || customers.contains(&stored.id.to_string().as_str()))
                && (externals.is_empty()
                    || stored.external_id().is_some_and(|e| externals.contains(&e)))
        })
        .flat_map(|(_, stored)| {
            stored
                .subscriptions
                .iter()
                .map(move |s| served(stored.id, s))
        })
        .filter(|s| !s["started_at"].is_null())
        .filter(|s| products.is_empty() || products.iter().any(|p| s["product_id"] == *p))
        .filter(|s| statuses.is_empty() || statuses.iter().any(|st| s["status"] == *st))
        .collect();
    items.sort_by(|a, b| {
        b["started_at"]
            .as_str()
            .unwrap_or("")
            .cmp(a["started_at"].as_str().unwrap_or(""))
    });
    page(items, &pairs)
}

/// `GET`, `PATCH` or `DELETE` of `/v1/subscriptions/{id}`.
pub(crate) fn answer(call: &Call<'_>, raw_id: &str) -> Reply {
    let id = match schema::uuid_at(&["path", "id"], raw_id, true) {
        Ok(id) => id,
        Err(item) => return Reply::schema_error(vec![item]),
    };
    let mut guard = call.state.lock();
    let data = &mut *guard;
    let Some((ci, si)) = locate(data, call, id) else {
        return Reply::resource_not_found("Not found");
    };
    let customer_id = data.customers[ci].id;
    let current = served(customer_id, &data.customers[ci].subscriptions[si]);
    let outcome = match *call.method {
        Method::GET => return Reply::json(200, &current),
        Method::DELETE => revoke(current),
        _ => update(&data.billing, current, call.body),
    };
    match outcome {
        Ok(Changed {
            body,
            events,
            charge,
        }) => {
            data.customers[ci].subscriptions[si] = body.clone();
            if let Some(order) = charge {
                data.billing.orders.push(order.clone());
                data.events.emit("order.created", order.clone());
                data.events.emit("order.paid", order);
            }
            for event in &events {
                data.events.emit(event, body.clone());
            }
            if !events.is_empty() {
                data.emit_state_changed(ci);
            }
            Reply::json(200, &body)
        }
        Err(reply) => reply,
    }
}

/// An accepted change: the new body, the `subscription.*` events in order, the order of a
/// charge made during the request.
struct Changed {
    body: Value,
    events: Vec<&'static str>,
    charge: Option<Value>,
}

impl Changed {
    fn updated(body: Value) -> Self {
        Self {
            body,
            events: vec!["subscription.updated"],
            charge: None,
        }
    }
}

fn status(body: &Value) -> &str {
    body["status"].as_str().unwrap_or("")
}

fn already_canceled() -> Reply {
    polar_error(
        403,
        "AlreadyCanceledSubscription",
        "This subscription is already canceled or will be at the end of the period.",
    )
}

/// Revoke (`DELETE`, or `{"revoke": true}`): billable and not ended, or paused.
fn revoke(mut body: Value) -> Result<Changed, Reply> {
    let allowed = (BILLABLE.contains(&status(&body)) && body["ended_at"].is_null())
        || status(&body) == "paused";
    if !allowed {
        return Err(already_canceled());
    }
    let was_scheduled = body["cancel_at_period_end"] == true;
    let now = now();
    body["status"] = json!("canceled");
    body["cancel_at_period_end"] = json!(false);
    if body["canceled_at"].is_null() {
        body["canceled_at"] = json!(now);
    }
    body["ends_at"] = json!(now);
    body["ended_at"] = json!(now);
    body["modified_at"] = json!(now);
    let mut events = vec!["subscription.updated"];
    if !was_scheduled {
        events.push("subscription.canceled");
    }
    events.push("subscription.revoked");
    Ok(Changed {
        body,
        events,
        charge: None,
    })
}

/// `PATCH`: picks the one variant whose keys the body has, then applies it.
fn update(billing: &Billing, body: Value, request: &Value) -> Result<Changed, Reply> {
    let fields = schema::object_body(request).map_err(Reply::schema_error)?;
    let fits = |allowed: &[&str], required: Option<&str>| {
        fields.keys().all(|k| allowed.contains(&k.as_str()))
            && required.is_none_or(|r| fields.contains_key(r))
    };
    if fits(&CANCEL, Some("cancel_at_period_end")) {
        return cancel(body, fields);
    }
    if fits(&REVOKE, Some("revoke")) {
        return revoke(body);
    }
    if fits(&SEATS, Some("seats")) {
        return seats(billing, body, fields);
    }
    if fits(&BASE, None) {
        return base(billing, body, fields);
    }
    let items = fields
        .iter()
        .filter(|(k, _)| !BASE.contains(&k.as_str()))
        .map(|(k, v)| {
            error_item(
                "extra_forbidden",
                vec![json!("body"), json!("SubscriptionUpdate"), json!(k)],
                "Extra inputs are not permitted",
                v.clone(),
            )
        })
        .collect();
    Err(Reply::schema_error(items))
}

/// `cancel_at_period_end`: `true` schedules the end, `false` takes it back.
fn cancel(mut body: Value, fields: &Map<String, Value>) -> Result<Changed, Reply> {
    let now = now();
    match fields.get("cancel_at_period_end") {
        Some(Value::Bool(true)) => {
            let allowed = BILLABLE.contains(&status(&body))
                && body["ended_at"].is_null()
                && body["cancel_at_period_end"] != true;
            if !allowed {
                return Err(already_canceled());
            }
            body["cancel_at_period_end"] = json!(true);
            body["canceled_at"] = json!(now);
            body["ends_at"] = body["current_period_end"].clone();
            for key in [
                "customer_cancellation_reason",
                "customer_cancellation_comment",
            ] {
                if let Some(value) = fields.get(key) {
                    body[key] = value.clone();
                }
            }
            body["modified_at"] = json!(now);
            Ok(Changed {
                body,
                events: vec!["subscription.updated", "subscription.canceled"],
                charge: None,
            })
        }
        Some(Value::Bool(false)) => {
            if !body["ended_at"].is_null() {
                return Err(polar_error(410, "ResourceUnavailable", "Unavailable"));
            }
            if body["cancel_at_period_end"] != true || !BILLABLE.contains(&status(&body)) {
                return Err(polar_error(400, "BadRequest", "Bad request"));
            }
            for key in [
                "canceled_at",
                "ends_at",
                "customer_cancellation_reason",
                "customer_cancellation_comment",
            ] {
                body[key] = Value::Null;
            }
            body["cancel_at_period_end"] = json!(false);
            body["modified_at"] = json!(now);
            Ok(Changed {
                body,
                events: vec!["subscription.updated", "subscription.uncanceled"],
                charge: None,
            })
        }
        other => Err(Reply::schema_error(vec![error_item(
            "bool_type",
            vec![json!("body"), json!("cancel_at_period_end")],
            "Input should be a valid boolean",
            other.cloned().unwrap_or(Value::Null),
        )])),
    }
}

/// The proration a change asks for (absent: the organization's default, `prorate`).
fn proration(fields: &Map<String, Value>) -> Result<&str, Reply> {
    let value = fields
        .get("proration_behavior")
        .and_then(Value::as_str)
        .unwrap_or("prorate");
    match value {
        "invoice" | "prorate" | "next_period" => Ok(value),
        "reset" => Err(Reply::business_error(vec![error_item(
            "value_error",
            vec![json!("body"), json!("proration_behavior")],
            "The 'reset' proration behavior is not enabled for this organization.",
            json!(value),
        )])),
        other => Err(Reply::schema_error(vec![error_item(
            "enum",
            vec![json!("body"), json!("proration_behavior")],
            "Input should be 'invoice', 'prorate', 'next_period' or 'reset'",
            json!(other),
        )])),
    }
}

/// A charge made during the request: an order that is already paid, or `402` when the mock
/// declines payments.
fn charge(billing: &Billing, body: &Value, amount: i64) -> Result<Value, Reply> {
    if billing.decline_payments {
        return Err(polar_error(
            402,
            "PaymentFailed",
            "Payment failed with reason: card_error.",
        ));
    }
    Ok(super::orders::render(
        body["customer_id"].clone(),
        body["product_id"].clone(),
        body["id"].clone(),
        Value::Null,
        amount,
        "subscription_update",
    ))
}

/// A pending update for the next renewal.
fn pending(body: &Value, product_id: Value, seats: Value) -> Value {
    let now = now();
    json!({
        "id": stamp::new_id(),
        "created_at": now,
        "modified_at": null,
        "applies_at": body["current_period_end"],
        "product_id": product_id,
        "seats": seats,
    })
}

/// The `seats` variant.
fn seats(
    billing: &Billing,
    mut body: Value,
    fields: &Map<String, Value>,
) -> Result<Changed, Reply> {
    let Some(seats) = fields
        .get("seats")
        .and_then(Value::as_i64)
        .filter(|s| *s >= 1)
    else {
        return Err(Reply::schema_error(vec![error_item(
            "greater_than_equal",
            vec![json!("body"), json!("seats")],
            "Input should be greater than or equal to 1",
            fields.get("seats").cloned().unwrap_or(Value::Null),
        )]));
    };
    let proration = proration(fields)?;
    let Some(current) = body["seats"].as_i64() else {
        return Err(polar_error(
            400,
            "NotASeatBasedSubscription",
            "This subscription does not support seat-based pricing.",
        ));
    };
    if seats == current {
        // Polar: a no-op that cancels a pending seat change, without a webhook.
        body["pending_update"] = Value::Null;
        return Ok(Changed {
            body,
            events: Vec::new(),
            charge: None,
        });
    }
    let per_seat = body["amount"].as_i64().unwrap_or(0) / current.max(1);
    if proration == "next_period" {
        body["pending_update"] = pending(&body, Value::Null, json!(seats));
        return Ok(Changed::updated(body));
    }
    let order = if proration == "invoice" && seats > current {
        Some(charge(billing, &body, per_seat * (seats - current))?)
    } else {
        None
    };
    body["seats"] = json!(seats);
    body["amount"] = json!(per_seat * seats);
    body["modified_at"] = json!(now());
    Ok(Changed {
        charge: order,
        ..Changed::updated(body)
    })
}

/// The base variant: product, discount and metadata (combinable), all or nothing.
fn base(billing: &Billing, mut body: Value, fields: &Map<String, Value>) -> Result<Changed, Reply> {
    let mut order = None;
    if let Some(raw) = fields.get("product_id") {
        let revoked = ["canceled", "unpaid"].contains(&status(&body));
        if revoked || body["cancel_at_period_end"] == true {
            return Err(already_canceled());
        }
        let text = raw.as_str().unwrap_or("");
        let product_id = schema::uuid_at(&["body", "product_id"], text, false)
            .map_err(|item| Reply::schema_error(vec![item]))?;
        let product_error = |msg: &str| {
            Reply::business_error(vec![error_item(
                "value_error",
                vec![json!("body"), json!("product_id")],
                msg,
                raw.clone(),
            )])
        };
        let Some(product) = products::find(&billing.products, product_id) else {
            return Err(product_error("Product does not exist."));
        };
        if product["is_recurring"] != true {
            return Err(product_error("Product is not recurring."));
        }
        if products::is_seat_based(product) != body["seats"].is_i64() {
            return Err(product_error(
                "Can't switch between seat-based and non-seat-based products.",
            ));
        }
        let seats = body["seats"].as_i64().unwrap_or(1);
        let amount = products::price(product) * seats;
        match proration(fields)? {
            "next_period" => {
                body["pending_update"] = pending(&body, json!(product_id), Value::Null)
            }
            how => {
                if how == "invoice" {
                    let mut charged = body.clone();
                    charged["product_id"] = json!(product_id);
                    order = Some(charge(billing, &charged, amount)?);
                }
                body["product_id"] = json!(product_id);
                body["amount"] = json!(amount);
                body["pending_update"] = Value::Null;
            }
        }
    }
    if let Some(discount) = fields.get("discount_id") {
        match discount {
            Value::Null => body["discount_id"] = Value::Null,
            Value::String(text) => {
                let id = schema::uuid_at(&["body", "discount_id"], text, false)
                    .map_err(|item| Reply::schema_error(vec![item]))?;
                if body["discount_id"] == json!(id) {
                    return Err(Reply::business_error(vec![error_item(
                        "value_error",
                        vec![json!("body"), json!("discount_id")],
                        "This discount is already applied to the subscription.",
                        discount.clone(),
                    )]));
                }
                body["discount_id"] = json!(id);
            }
            other => {
                return Err(Reply::schema_error(vec![error_item(
                    "string_type",
                    vec![json!("body"), json!("discount_id")],
                    "Input should be a valid string",
                    other.clone(),
                )]));
            }
        }
    }
    if let Some(trial_end) = fields.get("trial_end") {
        order = trial(billing, &mut body, trial_end)?.or(order);
    }
    if let Some(metadata) = fields.get("metadata") {
        body["metadata"] = metadata.clone();
    }
    body["modified_at"] = json!(now());
    Ok(Changed {
        charge: order,
        ..Changed::updated(body)
    })
}

/// `trial_end`: `"now"` ends a running trial (the subscription cycles and is billed), a future
/// time moves its end (an active subscription needs a time after its period's end).
fn trial(billing: &Billing, body: &mut Value, trial_end: &Value) -> Result<Option<Value>, Reply> {
    let loc = || vec![json!("body"), json!("trial_end")];
    if !["active", "trialing"].contains(&status(body)) {
        return Err(polar_error(
            403,
            "InactiveSubscription",
            "This subscription is not active.",
        ));
    }
    let now = chrono::Utc::now();
    if trial_end == "now" {
        if status(body) != "trialing" {
            return Err(Reply::business_error(vec![error_item(
                "value_error",
                loc(),
                "The subscription is not currently trialing.",
                trial_end.clone(),
            )]));
        }
        let amount = body["amount"].as_i64().unwrap_or(0);
        let mut order = charge(billing, body, amount)?;
        order["billing_reason"] = json!("subscription_cycle");
        body["status"] = json!("active");
        body["trial_end"] = json!(stamp::timestamp(now));
        body["current_period_start"] = json!(stamp::timestamp(now));
        body["current_period_end"] = json!(stamp::timestamp(now + chrono::Duration::days(30)));
        return Ok(Some(order));
    }
    let parsed = trial_end
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .filter(|t| *t > now);
    let Some(at) = parsed else {
        return Err(Reply::schema_error(vec![error_item(
            "value_error",
            loc(),
            "Value error, Trial end must be in the future.",
            trial_end.clone(),
        )]));
    };
    if status(body) == "active" {
        let period_end = body["current_period_end"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        if period_end.is_some_and(|end| at <= end) {
            return Err(Reply::business_error(vec![error_item(
                "value_error",
                loc(),
                "Trial end must be after the current period end.",
                trial_end.clone(),
            )]));
        }
        body["status"] = json!("trialing");
        if body["trial_start"].is_null() {
            body["trial_start"] = json!(stamp::timestamp(now));
        }
    }
    body["trial_end"] = json!(stamp::timestamp(at));
    body["current_period_end"] = json!(stamp::timestamp(at));
    Ok(None)
}
