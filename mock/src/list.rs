//! `GET /v1/customers/`: the list endpoint's query parameters (validated like Polar's server),
//! its filters (email, query, active, metadata, organization), sorting and page-based paging,
//! and the `ListResource` answer. Deleted customers never appear.

use super::query;
use super::reply::{Reply, error_item};
use super::state::{Identity, State};
use super::stored::Stored;
use serde_json::{Value, json};
use std::cmp::Ordering;
use uuid::Uuid;

/// The page size when none is asked for.
const DEFAULT_LIMIT: u64 = 10;
/// The largest page size; larger requests are served this many (Polar clamps, it does not refuse).
const MAX_LIMIT: u64 = 100;
/// The sort keys Polar accepts; a leading `-` means descending.
const SORT_KEYS: [&str; 6] = [
    "created_at",
    "-created_at",
    "email",
    "-email",
    "name",
    "-name",
];
/// The message pydantic gives for a value outside [`SORT_KEYS`].
const SORT_EXPECTED: &str = "'created_at', '-created_at', 'email', '-email', 'name' or '-name'";

/// A sort criterion: the field and whether it sorts descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    CreatedAt(bool),
    Email(bool),
    Name(bool),
}

/// The validated query of a list request.
#[derive(Debug)]
struct ListQuery {
    /// Exact, case-insensitive email filter.
    email: Option<String>,
    /// Case-insensitive substring of email, name or billing name, or prefix of the external id.
    query: Option<String>,
    /// Whether the customer has a trialing, active or past-due subscription.
    active: Option<bool>,
    /// `metadata[key]=value` filters: one entry per key (AND), any of its values (OR).
    metadata: Vec<(String, Vec<String>)>,
    /// Organizations to keep (none: every organization the token sees).
    organizations: Vec<Uuid>,
    /// 1-based page number.
    page: u64,
    /// Page size, at most [`MAX_LIMIT`].
    limit: u64,
    /// Criteria applied in order (Polar's default: newest first).
    sorting: Vec<SortBy>,
}

/// Answers a list request of an authenticated `identity`.
pub(crate) fn answer(state: &State, identity: &Identity, raw_query: Option<&str>) -> Reply {
    let list = match parse(raw_query) {
        Ok(list) => list,
        Err(items) => return Reply::schema_error(items),
    };
    let data = state.lock();
    let mut matching: Vec<(usize, Value)> = data
        .visible(identity)
        .filter(|(_, stored)| list.keeps(stored))
        .map(|(index, stored)| (index, stored.body.clone()))
        .collect();
    drop(data);
    // Polar's ORDER BY has no tiebreaker: rows equal on every key come back in whatever order
    // the database finds them, which can differ from one page request to the next. The mock
    // orders ties by a hash of the customer's id and the requested page, so ties swap places
    // between pages as they can on Polar (a walk without a unique last key can skip some).
    order(&list.sorting, list.page, &mut matching);
    let total = matching.len() as u64;
    let skip = (list.page - 1).saturating_mul(list.limit);
    let items: Vec<Value> = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(list.limit).unwrap_or(usize::MAX))
        .map(|(_, customer)| customer)
        .collect();
    let body = json!({
        "items": items,
        "pagination": {"total_count": total, "max_page": total.div_ceil(list.limit)},
    });
    Reply::json(200, &body).with_header("cache-control", "private, no-store")
}

impl ListQuery {
    /// Whether a live customer passes every filter.
    fn keeps(&self, stored: &Stored) -> bool {
        let customer = &stored.body;
        let lower = |field: &str| text(customer, field).map(str::to_lowercase);
        let email_ok = self
            .email
            .as_ref()
            .is_none_or(|wanted| lower("email").as_deref() == Some(wanted.to_lowercase().as_str()));
        let query_ok = self.query.as_ref().is_none_or(|query| {
            let query = query.to_lowercase();
            ["email", "name", "billing_name"]
                .iter()
                .any(|field| lower(field).is_some_and(|value| value.contains(&query)))
                || lower("external_id").is_some_and(|value| value.starts_with(&query))
        });
        let active_ok = self
            .active
            .is_none_or(|active| stored.has_billable_subscription() == active);
        let metadata_ok = self.metadata.iter().all(|(key, values)| {
            customer["metadata"]
                .get(key)
                .and_then(metadata_text)
                .is_some_and(|value| values.contains(&value))
        });
        let organization_ok =
            self.organizations.is_empty() || self.organizations.contains(&stored.organization_id);
        email_ok && query_ok && active_ok && metadata_ok && organization_ok
    }
}

/// A metadata value as the database compares it with a query's text (`true`, `1`, `1.5`).
fn metadata_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        _ => None,
    }
}

/// Reads the query string; every invalid parameter is reported at once, as pydantic does.
/// Unknown parameters are ignored; for a repeated single-valued parameter the last one counts.
fn parse(raw_query: Option<&str>) -> Result<ListQuery, Vec<Value>> {
    let Some(pairs) = query::pairs(raw_query) else {
        return Err(vec![error_item(
            "query_invalid",
            vec![json!("query")],
            "The query string could not be decoded.",
            json!(raw_query),
        )]);
    };
    let mut list = ListQuery {
        email: None,
        query: None,
        active: None,
        metadata: Vec::new(),
        organizations: Vec::new(),
        page: 1,
        limit: DEFAULT_LIMIT,
        sorting: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut organization_index = 0;
    let mut sort_index = 0;
    for (name, value) in pairs {
        match name.as_str() {
            "email" => list.email = Some(value),
            "query" => list.query = Some(value),
            "active" => match query::boolean(&name, &value) {
                Ok(active) => list.active = Some(active),
                Err(item) => errors.push(item),
            },
            "page" => match positive(&name, &value) {
                Ok(page) => list.page = page,
                Err(item) => errors.push(item),
            },
            "limit" => match positive(&name, &value) {
                Ok(limit) => list.limit = limit.min(MAX_LIMIT),
                Err(item) => errors.push(item),
            },
            "organization_id" => {
                match Uuid::parse_str(&value) {
                    Ok(id) => list.organizations.push(id),
                    Err(_) => errors.push(error_item(
                        "uuid_parsing",
                        vec![json!("query"), json!(name), json!(organization_index)],
                        "Input should be a valid UUID",
                        json!(value),
                    )),
                }
                organization_index += 1;
            }
            "sorting" => {
                match sort_by(&value) {
                    Some(criterion) => list.sorting.push(criterion),
                    None => {
                        let mut item = error_item(
                            "enum",
                            vec![json!("query"), json!(name), json!(sort_index)],
                            format!("Input should be {SORT_EXPECTED}"),
                            json!(value),
                        );
                        item["ctx"] = json!({"expected": SORT_EXPECTED});
                        errors.push(item);
                    }
                }
                sort_index += 1;
            }
            _ => {
                if let Some(key) = name
                    .strip_prefix("metadata[")
                    .and_then(|rest| rest.strip_suffix(']'))
                {
                    match list.metadata.iter_mut().find(|(known, _)| known == key) {
                        Some((_, values)) => values.push(value),
                        None => list.metadata.push((key.to_owned(), vec![value])),
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if list.sorting.is_empty() {
        list.sorting.push(SortBy::CreatedAt(true));
    }
    Ok(list)
}

/// A query integer that must be greater than zero (`page`, `limit`); values too large for `u64`
/// saturate.
fn positive(name: &str, value: &str) -> Result<u64, Value> {
    let loc = vec![json!("query"), json!(name)];
    let Ok(number) = value.trim().parse::<i128>() else {
        return Err(error_item(
            "int_parsing",
            loc,
            "Input should be a valid integer, unable to parse string as an integer",
            json!(value),
        ));
    };
    if number <= 0 {
        let mut item = error_item(
            "greater_than",
            loc,
            "Input should be greater than 0",
            json!(value),
        );
        item["ctx"] = json!({"gt": 0});
        return Err(item);
    }
    Ok(u64::try_from(number).unwrap_or(u64::MAX))
}

/// The criterion a `sorting` value names, if it is one of [`SORT_KEYS`].
fn sort_by(value: &str) -> Option<SortBy> {
    if !SORT_KEYS.contains(&value) {
        return None;
    }
    let (descending, field) = match value.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, value),
    };
    Some(match field {
        "created_at" => SortBy::CreatedAt(descending),
        "email" => SortBy::Email(descending),
        _ => SortBy::Name(descending),
    })
}

/// Orders two `(creation index, customer)` entries by the criteria only: entries equal on every
/// criterion compare equal (no tiebreaker, as on Polar). `created_at` compares the stamps (all
/// written in one format, so as text); a missing email or name sorts last ascending and first
/// descending, as in PostgreSQL.
fn compare(sorting: &[SortBy], a: &(usize, Value), b: &(usize, Value)) -> Ordering {
    let by_text = |field: &str| {
        let key = |entry: &(usize, Value)| {
            let value = text(&entry.1, field);
            (value.is_none(), value.map(str::to_owned))
        };
        key(a).cmp(&key(b))
    };
    sorting
        .iter()
        .map(|criterion| {
            let (ordering, descending) = match *criterion {
                SortBy::CreatedAt(descending) => (by_text("created_at"), descending),
                SortBy::Email(descending) => (by_text("email"), descending),
                SortBy::Name(descending) => (by_text("name"), descending),
            };
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        })
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Sorts the entries of one page request by the criteria; ties (see [`tie_rank`]) in an order
/// that depends on the page.
fn order(sorting: &[SortBy], page: u64, entries: &mut [(usize, Value)]) {
    let tie = |entry: &(usize, Value)| tie_rank(text(&entry.1, "id").unwrap_or(""), page);
    entries.sort_by(|a, b| compare(sorting, a, b).then_with(|| tie(a).cmp(&tie(b))));
}

/// Where a customer falls among its ties on one page request: an FNV-1a hash of its id and the
/// page number, so the same request sees the same order and another page may see another.
fn tie_rank(id: &str, page: u64) -> u64 {
    id.bytes()
        .chain(page.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// A string field of a customer body, `None` when null or absent.
fn text<'a>(customer: &'a Value, field: &str) -> Option<&'a str> {
    customer.get(field).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sixty customers created in the same microsecond, in creation order.
    fn tied() -> Vec<(usize, Value)> {
        (0..60)
            .map(|n| {
                let body = json!({
                    "id": format!("00000000-0000-4000-8000-{n:012}"),
                    "created_at": "2026-04-01T10:00:00.000000Z",
                    "email": format!("user{n:02}@example.org"),
                });
                (n, body)
            })
            .collect()
    }

    fn ids(entries: &[(usize, Value)]) -> Vec<usize> {
        entries.iter().map(|(index, _)| *index).collect()
    }

    #[test]
    fn ties_come_in_another_order_on_another_page_as_on_polar() {
        let by_created = [SortBy::CreatedAt(false)];
        let (mut page1, mut page2) = (tied(), tied());
        order(&by_created, 1, &mut page1);
        order(&by_created, 2, &mut page2);
        assert_ne!(ids(&page1), ids(&page2), "no tiebreaker Polar lacks");
        assert_ne!(
            ids(&page1),
            (0..60).collect::<Vec<_>>(),
            "not creation order"
        );
        // A unique last key makes the order the same for every page.
        let with_email = [SortBy::CreatedAt(false), SortBy::Email(false)];
        order(&with_email, 1, &mut page1);
        order(&with_email, 2, &mut page2);
        assert_eq!(ids(&page1), (0..60).collect::<Vec<_>>());
        assert_eq!(ids(&page1), ids(&page2));
    }
}
