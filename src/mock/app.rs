//! The application behind the transport: token validity, routing, JSON parsing, authentication,
//! schema and business rules, in the order Polar's server applies them.

use super::list;
use super::query::percent_decode;
use super::reply::{Reply, error_item};
use super::schema::{self, NewCustomer};
use super::state::{Identity, State};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method};
use serde_json::{Value, json};
use uuid::Uuid;

/// The customers collection: create (`POST`) and list (`GET`).
const CUSTOMERS_PATH: &str = "/v1/customers/";
/// The collection path without its trailing slash, redirected.
const CUSTOMERS_PATH_UNSLASHED: &str = "/v1/customers";
/// The prefix of the lookup by external id.
const EXTERNAL_PREFIX: &str = "/v1/customers/external/";

/// The parts of a request the application looks at.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Which endpoint a request is for.
enum Route {
    Create,
    List,
    RedirectToSlashed,
    GetExternal(String),
    NotFound,
}

/// Answers a request that passed the version, size and fault stages.
pub(crate) fn answer(state: &State, request: &Request<'_>) -> Reply {
    let identity = match bearer_token(request.headers) {
        Some(token) => match state.identity(token) {
            Some(identity) => Some(identity),
            None => return Reply::invalid_token(),
        },
        None => None,
    };
    match route(request.method, request.path) {
        Route::NotFound => Reply::not_found(),
        Route::RedirectToSlashed => redirect(request),
        Route::List => match identity {
            None => Reply::unauthorized(),
            Some(identity) => list::answer(state, identity, request.query),
        },
        Route::GetExternal(external_id) => match identity {
            None => Reply::unauthorized(),
            Some(identity) => match state.find_external(identity, &external_id) {
                Some(customer) => found(200, &customer),
                None => Reply::resource_not_found(),
            },
        },
        Route::Create => {
            let body = match parse_body(request) {
                Ok(body) => body,
                Err(reply) => return reply,
            };
            let Some(identity) = identity else {
                return Reply::unauthorized();
            };
            create(state, identity, &body)
        }
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

/// Matches a method and path (without query) to an endpoint.
fn route(method: &Method, path: &str) -> Route {
    let collection_method = *method == Method::POST || *method == Method::GET;
    if path == CUSTOMERS_PATH && collection_method {
        return if *method == Method::POST {
            Route::Create
        } else {
            Route::List
        };
    }
    if path == CUSTOMERS_PATH_UNSLASHED && collection_method {
        return Route::RedirectToSlashed;
    }
    match path.strip_prefix(EXTERNAL_PREFIX) {
        Some(segment)
            if *method == Method::GET && !segment.is_empty() && !segment.contains('/') =>
        {
            match percent_decode(segment) {
                Some(external_id) => Route::GetExternal(external_id),
                None => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

/// `307` to the slashed collection path (query kept), as an absolute URL on the host the client
/// used.
fn redirect(request: &Request<'_>) -> Reply {
    let host = request
        .headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("127.0.0.1");
    let query = request
        .query
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    Reply::empty(307).with_header("location", format!("http://{host}{CUSTOMERS_PATH}{query}"))
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

/// The create pipeline after authentication: schema, organization rules, permission, then the
/// store (duplicates, tax id, insert).
fn create(state: &State, identity: &Identity, body: &Value) -> Reply {
    let new = match schema::validate(body) {
        Ok(new) => new,
        Err(items) => return Reply::schema_error(items),
    };
    let organization_id = match organization(identity, &new) {
        Ok(organization_id) => organization_id,
        Err(item) => return Reply::business_error(vec![item]),
    };
    if matches!(
        identity,
        Identity::Organization {
            can_write: false,
            ..
        }
    ) {
        return Reply::insufficient_scope();
    }
    match state.create(&new, organization_id) {
        Ok(customer) => found(201, &customer),
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
    if new.kind == schema::CustomerType::Team && new.email.is_none() && new.owner_email.is_none() {
        return Err(error_item(
            "value_error",
            vec![json!("body"), json!("team")],
            "An owner with an email address is required when creating a team customer without an email address.",
            Value::Null,
        ));
    }
    Ok(organization_id)
}

/// A customer answer (201 on create, 200 on lookup).
fn found(status: u16, customer: &Value) -> Reply {
    Reply::json(status, customer).with_header("cache-control", "private, no-store")
}
