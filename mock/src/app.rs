//! The application behind the transport: token validity, routing, JSON parsing, authentication
//! and scopes, then the endpoint's own validation and rules, in the order Polar's server applies
//! them.
//!
//! The top of the mock's layers: it alone imports the resource handlers (`customers`, `list`,
//! `members`, `sessions`) and routes to them; they build on the core (`call`, `state`, `stored`,
//! `reply`, `routes`, `schema`), which imports none of them.

use super::call::{Call, customer_reply};
use super::reply::{Reply, error_item};
use super::routes::{self, Endpoint, Routing};
use super::schema::{self, NewCustomer};
use super::state::{Bearer, Identity, State};
use super::{billing, customers, list, members, sessions};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method};
use serde_json::{Value, json};
use uuid::Uuid;

/// The parts of a request the application looks at.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// The scopes that open customer reads.
const CUSTOMERS_READ: &[&str] = &["customers:read", "customers:write"];
/// The scope customer writes need.
const CUSTOMERS_WRITE: &[&str] = &["customers:write"];
/// The scopes that open member reads.
const MEMBERS_READ: &[&str] = &["members:read", "members:write"];
/// The scope member writes need.
const MEMBERS_WRITE: &[&str] = &["members:write"];
/// The scope customer sessions need.
const SESSIONS_WRITE: &[&str] = &["customer_sessions:write"];
/// The scope event ingestion needs.
const EVENTS_WRITE: &[&str] = &["events:write"];
/// The scopes that open meter reads.
const METERS_READ: &[&str] = &["meters:read", "meters:write"];
/// The scopes that open customer-meter reads.
const CUSTOMER_METERS_READ: &[&str] = &["customer_meters:read"];

/// Answers a request that passed the version, size and fault stages.
pub(crate) fn answer(state: &State, request: &Request<'_>) -> Reply {
    let identity = match bearer_token(request.headers) {
        Some(token) => match state.bearer(token) {
            Bearer::Known(identity) => Some(identity),
            Bearer::Session => None,
            Bearer::Unknown => return Reply::invalid_token(),
        },
        None => None,
    };
    let endpoint = match routes::resolve(request.method, request.path) {
        Routing::Found(endpoint) => endpoint,
        Routing::NotFound => return Reply::not_found(),
        Routing::MethodNotAllowed(methods) => return Reply::method_not_allowed(methods),
        Routing::Redirect(path) => return redirect(request, &path),
    };
    let body = if matches!(*request.method, Method::POST | Method::PATCH) {
        match parse_body(request) {
            Ok(body) => body,
            Err(reply) => return reply,
        }
    } else {
        Value::Null
    };
    let Some(identity) = identity else {
        return Reply::unauthorized();
    };
    let scopes = required_scopes(request.method, &endpoint);
    if !identity.has_any(scopes) {
        return Reply::insufficient_scope(scopes);
    }
    let call = Call {
        state,
        identity: &identity,
        method: request.method,
        query: request.query,
        body: &body,
        origin: format!("http://{}", host(request)),
    };
    match endpoint {
        Endpoint::Customers if *request.method == Method::GET => {
            list::answer(state, &identity, request.query)
        }
        Endpoint::Customers => create(state, &identity, &body),
        Endpoint::Sessions => sessions::create(&call),
        Endpoint::Customer(customer) => customers::answer(&call, &customer),
        Endpoint::State(customer) => customers::state(&call, &customer),
        Endpoint::Members(customer) => members::create(&call, &customer),
        Endpoint::Member(customer, member) => members::answer(&call, &customer, &member),
        Endpoint::EventsIngest => super::usage::ingest::answer(state, &identity, &body),
        Endpoint::Events => super::usage::list::list(state, &identity, request.query),
        Endpoint::Event(id) => super::usage::list::get(state, &identity, &id),
        Endpoint::Meters => super::usage::meters::list(state, request.query),
        Endpoint::Meter(id) => super::usage::meters::get(state, &id),
        Endpoint::MeterQuantities(id) => {
            super::usage::meters::quantities(state, &identity, &id, request.query)
        }
        Endpoint::CustomerMeters => {
            super::usage::meters::list_customer_meters(state, &identity, request.query)
        }
        Endpoint::CustomerMeter(id) => {
            super::usage::meters::get_customer_meter(state, &identity, &id)
        }
        billing_endpoint => billing::answer(&call, &billing_endpoint),
    }
}

/// The scopes of which the token needs any one for this endpoint and method.
fn required_scopes(method: &Method, endpoint: &Endpoint) -> &'static [&'static str] {
    let read = *method == Method::GET;
    match endpoint {
        Endpoint::Customers | Endpoint::Customer(_) | Endpoint::State(_) if read => CUSTOMERS_READ,
        Endpoint::Customers | Endpoint::Customer(_) | Endpoint::State(_) => CUSTOMERS_WRITE,
        Endpoint::Member(..) if read => MEMBERS_READ,
        Endpoint::Members(_) | Endpoint::Member(..) => MEMBERS_WRITE,
        Endpoint::Sessions => SESSIONS_WRITE,
        Endpoint::EventsIngest => EVENTS_WRITE,
        Endpoint::Events | Endpoint::Event(_) => &["events:read", "events:write"],
        Endpoint::Meters | Endpoint::Meter(_) | Endpoint::MeterQuantities(_) => METERS_READ,
        Endpoint::CustomerMeters | Endpoint::CustomerMeter(_) => CUSTOMER_METERS_READ,
        Endpoint::Subscriptions | Endpoint::Subscription(_) if read => {
            &["subscriptions:read", "subscriptions:write"]
        }
        Endpoint::Subscriptions | Endpoint::Subscription(_) => &["subscriptions:write"],
        Endpoint::Checkouts | Endpoint::Checkout(_) if read => {
            &["checkouts:read", "checkouts:write"]
        }
        Endpoint::Checkouts | Endpoint::Checkout(_) => &["checkouts:write"],
        Endpoint::Orders | Endpoint::Order(_) if read => &["orders:read", "orders:write"],
        Endpoint::Orders | Endpoint::Order(_) => &["orders:write"],
        // Invoice and receipt need only `orders:read`, even to generate.
        Endpoint::OrderInvoice(_) | Endpoint::OrderReceipt(_) => &["orders:read", "orders:write"],
    }
}

/// The token of an `Authorization: Bearer <token>` header; `None` when missing, empty or of
/// another scheme.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The `host:port` the client addressed (127.0.0.1 without a `Host` header).
fn host<'a>(request: &Request<'a>) -> &'a str {
    request
        .headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("127.0.0.1")
}

/// `307` to `path` (the request's path with its trailing slash toggled; query kept), as an
/// absolute URL on the host the client used.
fn redirect(request: &Request<'_>, path: &str) -> Reply {
    let query = request
        .query
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    Reply::empty(307).with_header("location", format!("http://{}{path}{query}", host(request)))
}

/// The request body as JSON: a JSON content type is parsed (422 `json_invalid` on failure, an
/// empty body is null); any other content type is not parsed and reaches the schema as text.
fn parse_body(request: &Request<'_>) -> Result<Value, Reply> {
    let is_json = request
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        });
    if !is_json {
        return Ok(Value::String(
            String::from_utf8_lossy(request.body).into_owned(),
        ));
    }
    if request.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(request.body).map_err(|problem| {
        let position = byte_offset(request.body, problem.line(), problem.column());
        let mut item = error_item(
            "json_invalid",
            vec![json!("body"), json!(position)],
            "JSON decode error",
            json!({}),
        );
        item["ctx"] = json!({"error": problem.to_string()});
        Reply::schema_error(vec![item])
    })
}

/// The byte offset of a 1-based line and column, as pydantic reports a JSON error position.
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split(|byte| *byte == b'\n')
        .take(line.saturating_sub(1))
        .map(|line| line.len() + 1)
        .sum();
    line_start + column.saturating_sub(1)
}

/// The create pipeline after authentication: schema, organization rules, then the store (duplicates, tax id, insert).
fn create(state: &State, identity: &Identity, body: &Value) -> Reply {
    let new = match schema::validate(body) {
        Ok(new) => new,
        Err(items) => return Reply::schema_error(items),
    };
    let organization_id = match organization(identity, &new) {
        Ok(organization_id) => organization_id,
        Err(item) => return Reply::business_error(vec![item]),
    };
    match state.create(&new, organization_id) {
        Ok(customer) => customer_reply(201, &customer),
        Err(items) => Reply::business_error(items),
    }
}

/// The organization the customer goes to, by the token's kind and the body's `organization_id`;
/// a team also needs an email somewhere.
fn organization(identity: &Identity, new: &NewCustomer) -> Result<Uuid, Value> {
    let loc = vec![json!("body"), json!("organization_id")];
    let organization_id = match (identity, new.organization_id) {
        (Identity::Organization { .. }, Some(requested)) => {
            return Err(error_item(
                "organization_token",
                loc,
                "Setting organization_id is disallowed when using an organization token.",
                json!(requested),
            ));
        }
        (Identity::Organization { id, .. }, None) => *id,
        (Identity::Personal { .. }, None) => {
            return Err(error_item(
                "missing",
                loc,
                "organization_id is required.",
                Value::Null,
            ));
        }
        (Identity::Personal { organizations }, Some(requested)) => {
            if !organizations.contains(&requested) {
                return Err(error_item(
                    "value_error",
                    loc,
                    "Organization not found.",
                    json!(requested),
                ));
            }
            requested
        }
    };
    if new.kind == schema::CustomerType::Team && new.email.is_none() && new.owner.is_none() {
        return Err(error_item(
            "value_error",
            vec![json!("body"), json!("team")],
            "An owner with an email address is required when creating a team customer without an email address.",
            Value::Null,
        ));
    }
    Ok(organization_id)
}
