//! `POST /v1/events/ingest` as Polar answers it: the schema stage over the whole batch (one 422
//! `RequestValidationError` listing every bad event by index, with the union variant's name in
//! `loc`), then the business stage (unknown `customer_id`s, one 422
//! `PolarRequestValidationError`), then the insert — all or nothing — with deduplication on
//! `external_id` (first wins, inside a batch too) and `{"inserted", "duplicates"}`.
//!
//! Simplification: for an event failing the schema, only the variant its customer field selects
//! is reported (pydantic reports every variant of the union).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::UsageEvent;
use crate::reply::{Reply, error_item};
use crate::state::{CustomerKey, Identity, State};

/// Polar's limit on an event name.
const MAX_NAME_CHARS: usize = 128;

/// Answers an ingest request of `identity` with this JSON `body`.
pub(crate) fn answer(state: &State, identity: &Identity, body: &Value) -> Reply {
    let Some(events) = body.get("events").and_then(Value::as_array) else {
        return Reply::schema_error(vec![error_item(
            "missing",
            vec![json!("body"), json!("events")],
            "Field required",
            body.clone(),
        )]);
    };
    let mut data = state.lock();
    data.usage.ingest_requests += 1;
    let now = data.usage.now();
    let mut schema_errors = Vec::new();
    let mut parsed = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        match schema(index, event, now) {
            Ok(event) => parsed.push(event),
            Err(mut items) => schema_errors.append(&mut items),
        }
    }
    let date = httpdate::fmt_http_date(now.into());
    if !schema_errors.is_empty() {
        return Reply::schema_error(schema_errors).with_header("date", date);
    }
    let mut business = Vec::new();
    for (index, event) in parsed.iter().enumerate() {
        if let Some(id) = event.customer_id {
            let found = data.find(identity, &CustomerKey::Id(id)).is_ok();
            if !found {
                business.push(error_item(
                    "customer_id",
                    vec![
                        json!("body"),
                        json!("events"),
                        json!(index),
                        json!("customer_id"),
                    ],
                    "Customer not found.",
                    json!(id),
                ));
            }
        }
    }
    for (index, event) in events.iter().enumerate() {
        let organization_id = event.get("organization_id").filter(|v| !v.is_null());
        let loc = vec![
            json!("body"),
            json!("events"),
            json!(index),
            json!("organization_id"),
        ];
        match (identity, organization_id) {
            (Identity::Organization { .. }, Some(given)) => business.push(error_item(
                "organization_token",
                loc,
                "Setting organization_id is disallowed when using an organization token.",
                given.clone(),
            )),
            (Identity::Personal { .. }, None) => business.push(error_item(
                "missing",
                loc,
                "organization_id is required.",
                Value::Null,
            )),
            _ => {}
        }
    }
    if !business.is_empty() {
        return Reply::business_error(business).with_header("date", date);
    }
    let (mut inserted, mut duplicates) = (0u64, 0u64);
    for mut event in parsed {
        if let Some(key) = &event.external_id
            && !data.usage.external_ids.insert(key.clone())
        {
            duplicates += 1;
            continue;
        }
        event.ingested_at = now;
        data.usage.events.push(event);
        inserted += 1;
    }
    Reply::json(
        200,
        &json!({"inserted": inserted, "duplicates": duplicates}),
    )
    .with_header("date", date)
}

/// The schema stage for one event: the event, or every problem with its `loc`.
fn schema(index: usize, event: &Value, now: DateTime<Utc>) -> Result<UsageEvent, Vec<Value>> {
    let variant = if event.get("customer_id").is_some() {
        "EventCreateCustomer"
    } else {
        "EventCreateExternalCustomer"
    };
    let loc = |field: &str| {
        vec![
            json!("body"),
            json!("events"),
            json!(index),
            json!(variant),
            json!(field),
        ]
    };
    let mut items = Vec::new();
    let name = match event.get("name").and_then(Value::as_str) {
        Some(name) if name.chars().count() <= MAX_NAME_CHARS => name.to_owned(),
        Some(name) => {
            items.push(error_item(
                "string_too_long",
                loc("name"),
                "String should have at most 128 characters",
                json!(name),
            ));
            String::new()
        }
        None => {
            items.push(error_item(
                "missing",
                loc("name"),
                "Field required",
                Value::Null,
            ));
            String::new()
        }
    };
    let mut customer_id = None;
    let mut external_customer_id = None;
    if variant == "EventCreateCustomer" {
        match event["customer_id"].as_str().map(Uuid::parse_str) {
            Some(Ok(id)) if id.get_version_num() == 4 => customer_id = Some(id),
            _ => items.push(error_item(
                "uuid_parsing",
                loc("customer_id"),
                "Input should be a valid UUID version 4",
                event["customer_id"].clone(),
            )),
        }
    } else {
        match event.get("external_customer_id").and_then(Value::as_str) {
            Some(id) => external_customer_id = Some(id.to_owned()),
            None => items.push(error_item(
                "missing",
                loc("external_customer_id"),
                "Field required",
                Value::Null,
            )),
        }
    }
    let timestamp = match event.get("timestamp") {
        None | Some(Value::Null) => now,
        Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) if t.with_timezone(&Utc) > now => {
                items.push(error_item(
                    "value_error",
                    loc("timestamp"),
                    "Value error, Timestamp must be in the past.",
                    json!(text),
                ));
                now
            }
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => {
                items.push(error_item(
                    "timezone_aware",
                    loc("timestamp"),
                    "Input should have timezone info",
                    json!(text),
                ));
                now
            }
        },
        Some(other) => {
            items.push(error_item(
                "datetime_type",
                loc("timestamp"),
                "Input should be a valid datetime",
                other.clone(),
            ));
            now
        }
    };
    let external_id = match event.get("external_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(other) => {
            items.push(error_item(
                "string_type",
                loc("external_id"),
                "Input should be a valid string",
                other.clone(),
            ));
            None
        }
    };
    let metadata = match event.get("metadata") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let bad = match value {
                    Value::String(text) => !(1..=500).contains(&text.chars().count()),
                    Value::Number(_) | Value::Bool(_) => false,
                    _ => !key.starts_with('_'),
                };
                if bad {
                    let mut at = loc("metadata");
                    at.push(json!(key));
                    items.push(error_item(
                        "string_too_long",
                        at,
                        "Metadata values are strings of 1 to 500 characters, numbers or booleans",
                        value.clone(),
                    ));
                }
            }
            map.clone()
        }
        Some(other) => {
            items.push(error_item(
                "dict_type",
                loc("metadata"),
                "Input should be a valid dictionary",
                other.clone(),
            ));
            serde_json::Map::new()
        }
    };
    if !items.is_empty() {
        return Err(items);
    }
    Ok(UsageEvent {
        name,
        customer_id,
        external_customer_id,
        external_id,
        timestamp,
        ingested_at: now,
        metadata,
    })
}
