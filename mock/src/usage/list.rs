//! `GET /v1/events/` and `GET /v1/events/{id}` in the mock: the stored usage events as Polar's
//! `UserEvent`s, with the filters `customer_id`, `external_customer_id`, `meter_id`, `name`,
//! `source`, `start_timestamp`, `end_timestamp`, sorting by `timestamp` (default newest first)
//! and offset paging.
//!
//! Simplifications: an event's ID is derived from its position in the store (events are never
//! removed, so it is stable); a customer is matched by its Polar ID or, at read time, by its
//! external ID (as Polar joins them); ties on `timestamp` keep the order of ingestion; the time
//! bounds are inclusive; the other filters of Polar (`filter`, `query`, `metadata`, `parent_id`,
//! `depth`) are ignored.

use serde_json::{Value, json};
use uuid::Uuid;

use super::UsageEvent;
use crate::query;
use crate::reply::{Reply, error_item};
use crate::state::{Data, Identity, State};

/// The first ten bytes of every event ID the mock hands out; the last six are the position.
const ID_PREFIX: [u8; 10] = [0x0e, 0x5a, 0x2b, 0x4c, 0x7d, 0x0b, 0x4c, 0x1e, 0x9a, 0x51];

/// The ID of the event at `index` (a version-4 UUID: the prefix carries the version and variant).
fn event_id(index: usize) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..10].copy_from_slice(&ID_PREFIX);
    bytes[10..].copy_from_slice(&(index as u64).to_be_bytes()[2..]);
    Uuid::from_bytes(bytes)
}

/// The position an event ID names, if it is one of the mock's.
fn event_index(id: &str) -> Option<usize> {
    let bytes = *Uuid::parse_str(id).ok()?.as_bytes();
    if bytes[..10] != ID_PREFIX {
        return None;
    }
    let mut position = [0u8; 8];
    position[2..].copy_from_slice(&bytes[10..]);
    usize::try_from(u64::from_be_bytes(position)).ok()
}

/// The event as Polar's `UserEvent`.
fn body(data: &Data, identity: &Identity, index: usize, event: &UsageEvent) -> Value {
    let customer_id = event.customer_id.or_else(|| {
        let external = event.external_customer_id.as_deref()?;
        data.visible(identity)
            .find(|(_, c)| c.external_id() == Some(external))
            .map(|(_, c)| c.id)
    });
    let organization_id = match identity {
        Identity::Organization { id, .. } => Some(*id),
        Identity::Personal { organizations } => organizations.first().copied(),
    };
    json!({
        "id": event_id(index),
        "timestamp": event.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "organization_id": organization_id,
        "customer_id": customer_id,
        "customer": null,
        "external_customer_id": event.external_customer_id,
        "member_id": null,
        "external_member_id": null,
        "child_count": 0,
        "parent_id": null,
        "label": event.name,
        "name": event.name,
        "source": "user",
        "metadata": event.metadata,
    })
}

/// `GET /v1/events/`.
pub(crate) fn list(state: &State, identity: &Identity, query: Option<&str>) -> Reply {
    let pairs = query::pairs(query).unwrap_or_default();
    let all = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let number = |name: &str, default: u64| match all(name).first() {
        None => Some(default),
        Some(text) => text.parse::<u64>().ok(),
    };
    let (Some(page), Some(limit)) = (number("page", 1), number("limit", 10)) else {
        return bad_query("page and limit must be whole numbers");
    };
    if page == 0 || !(1..=100).contains(&limit) {
        return bad_query("page must be at least 1 and limit 1 to 100");
    }
    let mut bounds = [None, None];
    for (bound, name) in bounds.iter_mut().zip(["start_timestamp", "end_timestamp"]) {
        if let Some(text) = all(name).first() {
            match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) => *bound = Some(t.to_utc()),
                Err(_) => return bad_query("a timestamp is not a valid datetime"),
            }
        }
    }
    let descending = match all("sorting").first().copied() {
        None | Some("-timestamp") => true,
        Some("timestamp") => false,
        Some(_) => return bad_query("sorting accepts timestamp or -timestamp"),
    };
    let customer_ids = all("customer_id");
    let externals = all("external_customer_id");
    let names = all("name");
    let sources = all("source");
    let data = state.lock();
    let meter_name = match all("meter_id").first() {
        None => None,
        Some(id) => {
            let id = Uuid::parse_str(id).ok();
            match data.usage.meters.iter().find(|m| Some(m.id) == id) {
                Some(meter) => Some(meter.event_name.clone()),
                None => return Reply::resource_not_found("Meter not found"),
            }
        }
    };
    let mut rows: Vec<(usize, &UsageEvent, Value)> = Vec::new();
    for (index, event) in data.usage.events.iter().enumerate() {
        let row = body(&data, identity, index, event);
        let customer = row["customer_id"].as_str().unwrap_or_default().to_owned();
        let keep = (customer_ids.is_empty() || customer_ids.contains(&customer.as_str()))
            && (externals.is_empty()
                || event
                    .external_customer_id
                    .as_deref()
                    .is_some_and(|x| externals.contains(&x)))
            && (names.is_empty() || names.contains(&event.name.as_str()))
            && (sources.is_empty() || sources.contains(&"user"))
            && meter_name.as_ref().is_none_or(|name| *name == event.name)
            && bounds[0].is_none_or(|start| event.timestamp >= start)
            && bounds[1].is_none_or(|end| event.timestamp <= end);
        if keep {
            rows.push((index, event, row));
        }
    }
    // Stable: ties keep the order of ingestion.
    if descending {
        rows.sort_by_key(|row| std::cmp::Reverse(row.1.timestamp));
    } else {
        rows.sort_by_key(|row| row.1.timestamp);
    }
    let total = rows.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .into_iter()
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(_, _, row)| row)
        .collect();
    Reply::json(
        200,
        &json!({"items": items, "pagination": {"total_count": total, "max_page": total.div_ceil(limit)}}),
    )
}

/// `GET /v1/events/{id}`.
pub(crate) fn get(state: &State, identity: &Identity, id: &str) -> Reply {
    let data = state.lock();
    let found = event_index(id).and_then(|index| Some((index, data.usage.events.get(index)?)));
    match found {
        Some((index, event)) => Reply::json(200, &body(&data, identity, index, event)),
        None => Reply::resource_not_found("Not found"),
    }
}

fn bad_query(message: &str) -> Reply {
    Reply::schema_error(vec![error_item(
        "value_error",
        vec![json!("query")],
        message,
        Value::Null,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_version_4_and_name_their_position() {
        for index in [0, 1, 77, 1 << 40] {
            let id = event_id(index);
            assert_eq!(id.get_version_num(), 4);
            assert_eq!(event_index(&id.to_string()), Some(index));
        }
        assert_eq!(event_index("992fae2a-2a17-4b7a-8d9e-e287cf90131b"), None);
    }
}
