//! Meters and customer meters in the mock: `GET /v1/meters/`, `/v1/meters/{id}`,
//! `/v1/meters/{id}/quantities` (with Polar's interval-range rule) and `GET /v1/customer-meters/`,
//! `/v1/customer-meters/{id}`. Consumption is computed from the stored usage events on every read
//! (a sum of one metadata property, or a count), optionally only over events stored at least
//! [`MockPolar::set_meter_lag`] ago — as Polar's background job makes balances lag ingest.
//! Events for an external customer ID count for the customer holding it at read time.

use chrono::{DateTime, Datelike, Months, TimeDelta, TimeZone, Timelike, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::UsageEvent;
use crate::MockPolar;
use crate::query;
use crate::reply::{Reply, error_item};
use crate::state::{Data, Identity, State};
use crate::stored::Stored;

/// A meter the test defined.
#[derive(Clone, Debug)]
pub(crate) struct MockMeter {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    /// The event name it counts.
    pub(crate) event_name: String,
    /// The metadata property summed; `None`: events are counted.
    pub(crate) property: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

impl MockMeter {
    fn body(&self) -> Value {
        let aggregation = match &self.property {
            Some(property) => json!({"func": "sum", "property": property}),
            None => json!({"func": "count"}),
        };
        json!({
            "id": self.id,
            "name": self.name,
            "unit": "scalar",
            "custom_label": null,
            "custom_multiplier": null,
            "filter": {"conjunction": "and", "clauses": [
                {"property": "name", "operator": "eq", "value": self.event_name}
            ]},
            "aggregation": aggregation,
            "metadata": {},
            "created_at": self.created_at.to_rfc3339(),
            "modified_at": null,
            "archived_at": null,
        })
    }

    /// What one event adds to the meter (0 when it does not match).
    fn amount(&self, event: &UsageEvent) -> f64 {
        if event.name != self.event_name {
            return 0.0;
        }
        match &self.property {
            None => 1.0,
            Some(property) => event
                .metadata
                .get(property.strip_prefix("metadata.").unwrap_or(property))
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        }
    }
}

impl MockPolar {
    /// Defines a meter counting events named `event_name`: the sum of the metadata `property`
    /// (e.g. `"total_tokens"`), or with `None` the number of events. Returns its ID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = polar_client_mock::MockPolar::start().await?;
    /// let meter = mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
    /// assert_eq!(meter.get_version_num(), 4);
    /// # Ok(()) }
    /// ```
    pub fn add_usage_meter(&self, name: &str, event_name: &str, property: Option<&str>) -> Uuid {
        let id = random_uuid();
        self.state.lock().usage.meters.push(MockMeter {
            id,
            name: name.to_owned(),
            event_name: event_name.to_owned(),
            property: property.map(str::to_owned),
            created_at: Utc::now(),
        });
        id
    }

    /// Makes customer-meter balances count only events stored at least `lag` ago (default:
    /// none), as Polar's background update makes them lag ingest.
    pub fn set_meter_lag(&self, lag: std::time::Duration) {
        self.state.lock().usage.meter_lag = TimeDelta::from_std(lag).unwrap_or(TimeDelta::MAX);
    }
}

fn random_uuid() -> Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}

/// The customer-meter ID of a (customer, meter) pair: stable, version 4.
fn customer_meter_id(customer: Uuid, meter: Uuid) -> Uuid {
    let mixed = customer.as_u128() ^ meter.as_u128().rotate_left(17);
    uuid::Builder::from_random_bytes(mixed.to_le_bytes()).into_uuid()
}

/// Whether `event` belongs to `customer` (by Polar ID, or by external ID at read time).
fn belongs(event: &UsageEvent, customer: &Stored) -> bool {
    event.customer_id == Some(customer.id)
        || (event.external_customer_id.is_some()
            && event.external_customer_id.as_deref() == customer.external_id())
}

/// `GET /v1/meters/`.
pub(crate) fn list(state: &State, query: Option<&str>) -> Reply {
    let (page, limit) = match paging(query) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let data = state.lock();
    let bodies: Vec<Value> = data.usage.meters.iter().map(MockMeter::body).collect();
    page_reply(bodies, page, limit)
}

/// `GET /v1/meters/{id}`.
pub(crate) fn get(state: &State, id: &str) -> Reply {
    let data = state.lock();
    match meter(&data, id) {
        Some(meter) => Reply::json(200, &meter.body()),
        None => Reply::resource_not_found("Not found"),
    }
}

fn meter<'a>(data: &'a Data, id: &str) -> Option<&'a MockMeter> {
    let id = Uuid::parse_str(id).ok()?;
    data.usage.meters.iter().find(|m| m.id == id)
}

/// `GET /v1/meters/{id}/quantities`.
pub(crate) fn quantities(
    state: &State,
    identity: &Identity,
    id: &str,
    query: Option<&str>,
) -> Reply {
    let Some(pairs) = query::pairs(query) else {
        return Reply::schema_error(vec![]);
    };
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let stamp = |name: &str| {
        value(name)
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(start), Some(end), Some(interval)) = (
        stamp("start_timestamp"),
        stamp("end_timestamp"),
        value("interval"),
    ) else {
        return Reply::schema_error(vec![error_item(
            "missing",
            vec![json!("query")],
            "start_timestamp, end_timestamp and interval are required",
            Value::Null,
        )]);
    };
    let max_days = match interval {
        "hour" => 7,
        "day" => 366,
        "week" => 371,
        "month" => 4 * 365,
        "year" => 10 * 365,
        _ => {
            return Reply::schema_error(vec![error_item(
                "enum",
                vec![json!("query"), json!("interval")],
                "Input should be 'year', 'month', 'week', 'day' or 'hour'",
                json!(interval),
            )]);
        }
    };
    if end - start > TimeDelta::days(max_days) {
        return Reply::schema_error(vec![error_item(
            "value_error",
            vec![json!("query")],
            "The interval is too small for the given date range. Please use a larger interval or a shorter date range.",
            Value::Null,
        )]);
    }
    let data = state.lock();
    let Some(meter) = meter(&data, id) else {
        return Reply::resource_not_found("Not found");
    };
    let customer_filter = value("customer_id")
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(|id| (Some(id), None))
        .or_else(|| value("external_customer_id").map(|x| (None, Some(x.to_owned()))));
    let keep = |event: &UsageEvent| match &customer_filter {
        None => true,
        Some((Some(id), _)) => {
            event.customer_id == Some(*id)
                || data
                    .visible(identity)
                    .any(|(_, c)| c.id == *id && belongs(event, c))
        }
        Some((None, Some(external))) => {
            event.external_customer_id.as_deref() == Some(external.as_str())
        }
        Some(_) => true,
    };
    let mut buckets = Vec::new();
    let mut at = truncate(start, interval);
    while at <= end && buckets.len() < 10_000 {
        let next = step(at, interval);
        let quantity: f64 = data
            .usage
            .events
            .iter()
            .filter(|e| e.timestamp >= at.max(start) && e.timestamp < next && e.timestamp <= end)
            .filter(|e| keep(e))
            .map(|e| meter.amount(e))
            .sum();
        buckets.push((at, quantity));
        at = next;
    }
    let total: f64 = buckets.iter().map(|(_, q)| q).sum();
    let quantities: Vec<Value> = buckets
        .into_iter()
        .map(|(t, q)| json!({"timestamp": t.to_rfc3339(), "quantity": q}))
        .collect();
    Reply::json(200, &json!({"quantities": quantities, "total": total}))
}

fn truncate(t: DateTime<Utc>, interval: &str) -> DateTime<Utc> {
    let day = Utc
        .with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0)
        .single()
        .unwrap_or(t);
    match interval {
        "hour" => day + TimeDelta::hours(i64::from(t.hour())),
        "day" => day,
        "week" => day - TimeDelta::days(i64::from(t.weekday().num_days_from_monday())),
        "month" => Utc
            .with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
            .single()
            .unwrap_or(t),
        _ => Utc
            .with_ymd_and_hms(t.year(), 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(t),
    }
}

fn step(t: DateTime<Utc>, interval: &str) -> DateTime<Utc> {
    match interval {
        "hour" => t + TimeDelta::hours(1),
        "day" => t + TimeDelta::days(1),
        "week" => t + TimeDelta::weeks(1),
        "month" => t
            .checked_add_months(Months::new(1))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        _ => t
            .checked_add_months(Months::new(12))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    }
}

/// Every customer meter `identity` may see: one per (customer, meter) with matching events.
fn customer_meters(data: &Data, identity: &Identity) -> Vec<(Uuid, Uuid, Value)> {
    let counted_before = data.usage.now() - data.usage.meter_lag;
    let mut rows = Vec::new();
    for (_, customer) in data.visible(identity) {
        for meter in &data.usage.meters {
            let mut matched = false;
            let mut consumed = 0.0;
            for event in data.usage.events.iter().filter(|e| belongs(e, customer)) {
                if event.name == meter.event_name {
                    matched = true;
                    if event.ingested_at <= counted_before {
                        consumed += meter.amount(event);
                    }
                }
            }
            if !matched {
                continue;
            }
            let body = json!({
                "id": customer_meter_id(customer.id, meter.id),
                "created_at": meter.created_at.to_rfc3339(),
                "modified_at": Utc::now().to_rfc3339(),
                "customer_id": customer.id,
                "meter_id": meter.id,
                "consumed_units": consumed,
                "credited_units": 0,
                "balance": -consumed,
                "customer": customer.body,
                "meter": meter.body(),
            });
            rows.push((customer.id, meter.id, body));
        }
    }
    rows
}

/// `GET /v1/customer-meters/` with `customer_id`, `external_customer_id`, `meter_id`, paging.
pub(crate) fn list_customer_meters(
    state: &State,
    identity: &Identity,
    query: Option<&str>,
) -> Reply {
    let (page, limit) = match paging(query) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let pairs = query::pairs(query).unwrap_or_default();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let customer_id = value("customer_id").and_then(|id| Uuid::parse_str(&id).ok());
    let external = value("external_customer_id");
    let meter_id = value("meter_id").and_then(|id| Uuid::parse_str(&id).ok());
    let data = state.lock();
    let externals: Vec<(Uuid, Option<String>)> = data
        .visible(identity)
        .map(|(_, c)| (c.id, c.external_id().map(str::to_owned)))
        .collect();
    let rows: Vec<Value> = customer_meters(&data, identity)
        .into_iter()
        .filter(|(customer, meter, _)| {
            customer_id.is_none_or(|id| id == *customer)
                && meter_id.is_none_or(|id| id == *meter)
                && external.as_ref().is_none_or(|x| {
                    externals
                        .iter()
                        .any(|(id, e)| id == customer && e.as_deref() == Some(x.as_str()))
                })
        })
        .map(|(_, _, body)| body)
        .collect();
    page_reply(rows, page, limit)
}

/// `GET /v1/customer-meters/{id}`.
pub(crate) fn get_customer_meter(state: &State, identity: &Identity, id: &str) -> Reply {
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::resource_not_found("Not found");
    };
    let data = state.lock();
    customer_meters(&data, identity)
        .into_iter()
        .find(|(_, _, body)| body["id"] == json!(id))
        .map_or_else(
            || Reply::resource_not_found("Not found"),
            |(_, _, body)| Reply::json(200, &body),
        )
}

/// `page` (from 1) and `limit` (1 to 100) of a list query.
fn paging(query: Option<&str>) -> Result<(u64, u64), Reply> {
    let pairs = query::pairs(query).unwrap_or_default();
    let number = |name: &str, default: u64| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Some(default), |(_, v)| v.parse::<u64>().ok())
    };
    match (number("page", 1), number("limit", 10)) {
        (Some(page), Some(limit)) if page >= 1 && (1..=100).contains(&limit) => Ok((page, limit)),
        _ => Err(Reply::schema_error(vec![error_item(
            "value_error",
            vec![json!("query")],
            "page must be at least 1 and limit 1 to 100",
            Value::Null,
        )])),
    }
}

fn page_reply(items: Vec<Value>, page: u64, limit: u64) -> Reply {
    let total = items.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let items: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Reply::json(
        200,
        &json!({"items": items, "pagination": {"total_count": total, "max_page": total.div_ceil(limit)}}),
    )
}
