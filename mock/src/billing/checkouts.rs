//! Checkouts: create (`POST /v1/checkouts/`), list, get and update while open, with the rules of
//! `server/polar/checkout/service.py`: products must exist (422 at `["body","products",i]`, never
//! 404), `customer_id` must exist, `external_customer_id` is linked when its customer exists and
//! otherwise only stored; no deduplication (every create is a new checkout); `{CHECKOUT_ID}` in
//! `success_url` is substituted in every answer; expiry is lazy (status stays `open` past
//! `expires_at` until Polar's cron runs; a `PATCH` flips it).

use super::super::call::Call;
use super::super::reply::{Reply, error_item};
use super::super::state::Data;
use super::super::{query, schema, stamp};
use super::{now, page, polar_error, products, values};
use chrono::{DateTime, Duration, Utc};
use hyper::Method;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// How long a checkout stays open (`CHECKOUT_TTL_SECONDS`).
const TTL_HOURS: i64 = 24;

/// A checkout as the API serves it: `{CHECKOUT_ID}` in `success_url` replaced by its id.
pub(crate) fn served(checkout: &Value) -> Value {
    let mut body = checkout.clone();
    if let (Some(url), Some(id)) = (checkout["success_url"].as_str(), checkout["id"].as_str()) {
        body["success_url"] = json!(url.replace("{CHECKOUT_ID}", id));
    }
    body
}

/// Whether `checkout` is past its `expires_at`.
pub(crate) fn past_expiry(checkout: &Value) -> bool {
    checkout["expires_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t < Utc::now())
}

/// `POST` (create) or `GET` (list) of `/v1/checkouts/`.
pub(crate) fn collection(call: &Call<'_>) -> Reply {
    if *call.method == Method::POST {
        let mut data = call.state.lock();
        let organization_id = match call.identity {
            super::super::state::Identity::Organization { id, .. } => *id,
            super::super::state::Identity::Personal { organizations } => {
                organizations.first().copied().unwrap_or_default()
            }
        };
        return match create(&mut data, call, organization_id, call.body, &call.origin) {
            Ok(checkout) => Reply::json(201, &served(&checkout)),
            Err(reply) => reply,
        };
    }
    let pairs = query::pairs(call.query).unwrap_or_default();
    let data = call.state.lock();
    let externals = values(&pairs, "external_customer_id");
    // The external-id filter joins the linked customer: an unlinked checkout is not found by it.
    let linked: Vec<String> = data
        .visible(call.identity)
        .filter(|(_, s)| s.external_id().is_some_and(|e| externals.contains(&e)))
        .map(|(_, s)| s.id.to_string())
        .collect();
    let keep = |checkout: &Value, name: &str| {
        let wanted = values(&pairs, name);
        wanted.is_empty() || wanted.iter().any(|w| checkout[name] == *w)
    };
    let mut items: Vec<Value> = data
        .billing
        .checkouts
        .iter()
        .filter(|c| call.identity.sees(org_of(c)))
        .filter(|c| {
            externals.is_empty()
                || c["customer_id"]
                    .as_str()
                    .is_some_and(|id| linked.iter().any(|l| l == id))
        })
        .filter(|c| {
            ["customer_id", "product_id", "status"]
                .iter()
                .all(|n| keep(c, n))
        })
        .map(served)
        .collect();
    items.reverse();
    page(items, &pairs)
}

fn org_of(checkout: &Value) -> Uuid {
    checkout["organization_id"]
        .as_str()
        .and_then(|t| Uuid::parse_str(t).ok())
        .unwrap_or_default()
}

/// Creates and stores a checkout from a create body, recording `checkout.created`.
pub(crate) fn create(
    data: &mut Data,
    call: &Call<'_>,
    organization_id: Uuid,
    body: &Value,
    origin: &str,
) -> Result<Value, Reply> {
    let fields = schema::object_body(body).map_err(Reply::schema_error)?;
    let loc = |parts: &[&str]| parts.iter().map(|p| json!(p)).collect::<Vec<_>>();
    let products_in = match fields.get("products") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => {
            return Err(Reply::schema_error(vec![error_item(
                "too_short",
                loc(&["body", "CheckoutProductsCreate", "products"]),
                "List should have at least 1 item after validation, not 0",
                json!([]),
            )]));
        }
        other => {
            return Err(Reply::schema_error(vec![error_item(
                "missing",
                loc(&["body", "CheckoutProductsCreate", "products"]),
                "Field required",
                other.cloned().unwrap_or(Value::Null),
            )]));
        }
    };
    let mut ids = Vec::new();
    for (i, raw) in products_in.iter().enumerate() {
        let text = raw.as_str().unwrap_or("");
        let index = i.to_string();
        let id = schema::uuid_at(&["body", "products", &index], text, false)
            .map_err(|item| Reply::schema_error(vec![item]))?;
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(Reply::schema_error(vec![error_item(
            "value_error",
            loc(&["body", "products"]),
            "Value error, Product IDs must be unique.",
            json!(products_in),
        )]));
    }
    let mut problems = Vec::new();
    let mut product_bodies = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match products::find(&data.billing.products, *id) {
            Some(product) => product_bodies.push(product.clone()),
            None => problems.push(error_item(
                "value_error",
                vec![json!("body"), json!("products"), json!(i)],
                "Product does not exist.",
                json!(id),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Reply::business_error(problems));
    }
    let first = &product_bodies[0];
    let seats = fields.get("seats").and_then(Value::as_i64);
    if seats.is_some() && !products::is_seat_based(first) {
        return Err(Reply::business_error(vec![error_item(
            "value_error",
            loc(&["body", "seats"]),
            "Seats can only be set for seat-based pricing.",
            json!(seats),
        )]));
    }
    let trial = (
        fields.get("trial_interval"),
        fields.get("trial_interval_count"),
    );
    if matches!(trial, (Some(_), None) | (None, Some(_))) {
        let missing = if trial.0.is_none() {
            "trial_interval"
        } else {
            "trial_interval_count"
        };
        return Err(Reply::schema_error(vec![error_item(
            "missing",
            loc(&["body", "CheckoutProductsCreate", missing]),
            "Field required",
            Value::Null,
        )]));
    }
    // Which customer: `customer_id` must exist; `external_customer_id` links when it exists.
    let mut linked: Option<usize> = None;
    if let Some(raw) = fields.get("customer_id").filter(|v| !v.is_null()) {
        let text = raw.as_str().unwrap_or("");
        let id = schema::uuid_at(&["body", "customer_id"], text, false)
            .map_err(|item| Reply::schema_error(vec![item]))?;
        match data.find(call.identity, &super::super::state::CustomerKey::Id(id)) {
            Ok(index) => linked = Some(index),
            Err(_) => {
                return Err(Reply::business_error(vec![error_item(
                    "value_error",
                    loc(&["body", "customer_id"]),
                    "Customer does not exist.",
                    raw.clone(),
                )]));
            }
        }
    }
    let external_id = fields
        .get("external_customer_id")
        .or_else(|| fields.get("customer_external_id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if linked.is_none()
        && let Some(external_id) = &external_id
    {
        linked = data
            .find(
                call.identity,
                &super::super::state::CustomerKey::External(external_id.clone()),
            )
            .ok();
    }
    let customer = linked.map(|i| data.customers[i].body.clone());
    let text = |name: &str| fields.get(name).filter(|v| !v.is_null()).cloned();
    let prefill = |name: &str| {
        customer
            .as_ref()
            .map(|c| c[name].clone())
            .unwrap_or(Value::Null)
    };
    let id = stamp::new_id();
    let secret = format!("polar_c_{}", stamp::new_id().simple());
    let now_time = Utc::now();
    let price = products::price(first) * seats.unwrap_or(1);
    let checkout = json!({
        "id": id,
        "created_at": stamp::timestamp(now_time),
        "modified_at": null,
        "status": "open",
        "client_secret": secret,
        "url": format!("{origin}/checkout/{secret}"),
        "expires_at": stamp::timestamp(now_time + Duration::hours(TTL_HOURS)),
        "success_url": text("success_url").unwrap_or_else(|| json!(format!("{origin}/checkout/{secret}/confirmation"))),
        "return_url": text("return_url"),
        "embed_origin": text("embed_origin"),
        "amount": price,
        "seats": seats,
        "discount_amount": 0,
        "net_amount": price,
        "tax_amount": null,
        "total_amount": price,
        "currency": "usd",
        "allow_trial": fields.get("allow_trial").cloned().unwrap_or(json!(true)),
        "trial_interval": text("trial_interval"),
        "trial_interval_count": text("trial_interval_count"),
        "trial_end": null,
        "organization_id": organization_id,
        "product_id": first["id"],
        "products": product_bodies,
        "discount_id": text("discount_id"),
        "customer_id": customer.as_ref().map(|c| c["id"].clone()),
        "external_customer_id": external_id,
        "customer_email": text("customer_email").unwrap_or_else(|| prefill("email")),
        "customer_name": text("customer_name").unwrap_or_else(|| prefill("name")),
        "metadata": text("metadata").unwrap_or_else(|| json!({})),
        "customer_metadata": text("customer_metadata").unwrap_or_else(|| json!({})),
        "subscription_id": null,
        "is_payment_required": price > 0,
        "is_payment_setup_required": first["is_recurring"],
    });
    data.billing.checkouts.push(checkout.clone());
    data.events.emit("checkout.created", served(&checkout));
    Ok(checkout)
}

/// `GET` or `PATCH` of `/v1/checkouts/{id}`.
pub(crate) fn answer(call: &Call<'_>, raw_id: &str) -> Reply {
    let id = match schema::uuid_at(&["path", "id"], raw_id, true) {
        Ok(id) => id.to_string(),
        Err(item) => return Reply::schema_error(vec![item]),
    };
    let mut guard = call.state.lock();
    let data = &mut *guard;
    let Some(index) = data
        .billing
        .checkouts
        .iter()
        .position(|c| c["id"].as_str() == Some(&id) && call.identity.sees(org_of(c)))
    else {
        return Reply::resource_not_found("Not found");
    };
    if *call.method == Method::GET {
        return Reply::json(200, &served(&data.billing.checkouts[index]));
    }
    let fields = match schema::object_body(call.body) {
        Ok(fields) => fields.clone(),
        Err(items) => return Reply::schema_error(items),
    };
    let checkout = &mut data.billing.checkouts[index];
    let status = checkout["status"].as_str().unwrap_or("").to_owned();
    if status != "open" {
        return polar_error(
            403,
            "NotOpenCheckout",
            &format!("Checkout {id} is not open: {status}"),
        );
    }
    if let Err(reply) = patch(checkout, &fields) {
        return reply;
    }
    if past_expiry(checkout) {
        // The ORM hook flips an open checkout past its expiry on flush.
        checkout["status"] = json!("expired");
    }
    checkout["modified_at"] = json!(now());
    let body = served(checkout);
    data.events.emit("checkout.updated", body.clone());
    Reply::json(200, &body)
}

/// Applies an update body to an open checkout.
fn patch(checkout: &mut Value, fields: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(product) = fields.get("product_id").and_then(Value::as_str) {
        let offered = checkout["products"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["id"] == product));
        if !offered {
            return Err(Reply::business_error(vec![error_item(
                "value_error",
                vec![json!("body"), json!("product_id")],
                "Product is not available in this checkout.",
                json!(product),
            )]));
        }
        checkout["product_id"] = json!(product);
    }
    if let Some(discount) = fields.get("discount_id") {
        checkout["discount_id"] = discount.clone();
    }
    if let Some(email) = fields.get("customer_email") {
        // Ignored when a customer is linked.
        if checkout["customer_id"].is_null() {
            checkout["customer_email"] = email.clone();
        }
    }
    for key in [
        "customer_name",
        "metadata",
        "customer_metadata",
        "success_url",
    ] {
        if let Some(value) = fields.get(key) {
            checkout[key] = value.clone();
        }
    }
    Ok(())
}
