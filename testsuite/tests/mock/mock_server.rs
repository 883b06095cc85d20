//! Behaviour tests of the mock Polar server (`polar_client_mock`), over real HTTP on 127.0.0.1
//! with plain reqwest.

use polar_client_mock::{Fault, MockPolar};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

use crate::fixtures;

/// The create (and list) endpoint.
const CUSTOMERS: &str = "/v1/customers/";

/// Three list-test emails in alphabetical order (and the order they are created in).
const ALPHABETICAL: [&str; 3] = ["a@example.org", "b@example.org", "c@example.org"];

/// [`ALPHABETICAL`] reversed: newest first, or sorted by email descending.
const REVERSED: [&str; 3] = ["c@example.org", "b@example.org", "a@example.org"];

/// The smallest valid create body: an individual with email `a@example.org`.
fn minimal_body() -> Value {
    json!({"email": "a@example.org"})
}

/// The body of every not-found answer that does not name a resource.
fn not_found() -> Value {
    json!({"detail": "Not Found"})
}

/// The body of the answer to a missing or non-bearer authorization.
fn unauthorized() -> Value {
    json!({"error": "Unauthorized", "detail": "Unauthorized"})
}

/// A reqwest client that does not follow redirects.
fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The absolute URL of `path` (which starts with `/`) on the mock.
fn url(polar: &MockPolar, path: &str) -> String {
    format!("{}{path}", polar.base_url())
}

/// A GET of `path` on the mock with `token` as bearer, ready to send.
fn get(polar: &MockPolar, path: &str, token: &str) -> RequestBuilder {
    client().get(url(polar, path)).bearer_auth(token)
}

/// A POST of `body` as JSON to `path` on the mock with `token` as bearer, ready to send.
fn post(polar: &MockPolar, path: &str, token: &str, body: &Value) -> RequestBuilder {
    client()
        .post(url(polar, path))
        .bearer_auth(token)
        .json(body)
}

/// Sends a request that must get an answer (any status).
async fn send(request: RequestBuilder) -> Response {
    request.send().await.unwrap()
}

/// The JSON body of an answer.
async fn json_body(response: Response) -> Value {
    response.json().await.unwrap()
}

/// The status and JSON body of an answer.
async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, json_body(response).await)
}

/// POSTs a JSON body to the create endpoint with a bearer token.
async fn create(polar: &MockPolar, token: &str, body: &Value) -> Response {
    send(post(polar, CUSTOMERS, token, body)).await
}

/// Creates [`minimal_body`] with the organization token.
async fn create_minimal(polar: &MockPolar) -> Response {
    create(polar, polar.organization_token(), &minimal_body()).await
}

/// Creates with the organization token and returns status and JSON body.
async fn create_json(polar: &MockPolar, body: &Value) -> (StatusCode, Value) {
    status_and_json(create(polar, polar.organization_token(), body).await).await
}

/// GETs the list endpoint with a query string and a token; returns status and JSON body.
async fn list(polar: &MockPolar, token: &str, query: &str) -> (StatusCode, Value) {
    status_and_json(send(get(polar, &format!("{CUSTOMERS}?{query}"), token)).await).await
}

/// The emails of a list answer's items, in order.
fn emails(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap_or("<none>"))
        .collect()
}

/// Creates customers with these emails, in order, with the organization token.
async fn create_all(polar: &MockPolar, addresses: &[&str]) {
    for email in addresses {
        let (status, _) = create_json(polar, &json!({"email": email})).await;
        assert_eq!(status, StatusCode::CREATED, "{email}");
    }
}

/// The mock's `host:port`, for plain TCP connections.
fn host_and_port(polar: &MockPolar) -> String {
    polar.base_url().trim_start_matches("http://").to_owned()
}

/// Sends raw bytes on a fresh connection and returns everything the server sends back.
async fn raw_exchange(polar: &MockPolar, request: &str) -> String {
    let address = host_and_port(polar);
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    // Read until the server has answered with a complete head (and a short body).
    for _ in 0..50 {
        let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await;
        match read {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(_)) => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn create_answers_with_the_exact_customer_shape_and_headers() {
    let polar = MockPolar::start().await.unwrap();
    let response = create(
        &polar,
        polar.organization_token(),
        &json!({
            "type": "individual",
            "email": "Customer@Example.org",
            "name": "John Doe",
            "external_id": "usr_1337",
            "tax_id": "91-1144442",
            "locale": "en-us",
            "metadata": {"plan": "pro", "seats": 3, "ratio": 0.5, "trial": true},
            "billing_address": {"country": "us", "state": "ca", "city": "", "line1": "1 Main St"},
            "misspelt_field": "ignored",
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let headers = response.headers().clone();
    assert_eq!(headers["polar-version"], "2026-04");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["content-type"], "application/json");
    assert!(!headers["x-request-id"].is_empty());
    let body = json_body(response).await;

    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected_keys = fixtures::CUSTOMER_FIELDS.to_vec();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    expected_keys.sort_unstable();
    assert_eq!(sorted_keys, expected_keys);

    let id = Uuid::parse_str(body["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 4);
    let created_at = body["created_at"].as_str().unwrap();
    assert!(created_at.ends_with('Z'), "{created_at}");
    assert_eq!(
        created_at.len(),
        "2026-01-01T00:00:00.000000Z".len(),
        "{created_at}"
    );
    chrono::DateTime::parse_from_rfc3339(created_at).unwrap();
    assert_eq!(body["modified_at"], Value::Null);
    assert_eq!(
        body["metadata"],
        json!({"plan": "pro", "seats": 3, "ratio": 0.5, "trial": true})
    );
    assert_eq!(body["external_id"], "usr_1337");
    assert_eq!(body["email"], "Customer@Example.org");
    assert_eq!(body["email_verified"], false);
    assert_eq!(body["type"], "individual");
    assert_eq!(body["name"], "John Doe");
    assert_eq!(body["billing_name"], "John Doe");
    assert_eq!(
        body["billing_address"],
        json!({"line1": "1 Main St", "line2": null, "postal_code": null, "city": null, "state": "US-CA", "country": "US"})
    );
    assert_eq!(body["tax_id"], json!(["911144442", "us_ein"]));
    assert_eq!(body["locale"], "en-US");
    assert_eq!(body["organization_id"], polar.organization_id().to_string());
    assert_eq!(body["default_payment_method_id"], Value::Null);
    assert_eq!(body["deleted_at"], Value::Null);
    assert_eq!(body["first_user_event_at"], Value::Null);
    assert!(body["avatar_url"].as_str().unwrap().starts_with("https://"));

    assert_eq!(polar.customers(), vec![body]);
}

#[tokio::test]
async fn empty_strings_become_null_and_type_defaults_to_individual() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = create_json(
        &polar,
        &json!({"email": "a@example.org", "name": "", "external_id": "", "tax_id": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["type"], "individual");
    for key in [
        "name",
        "billing_name",
        "external_id",
        "tax_id",
        "billing_address",
        "locale",
    ] {
        assert_eq!(body[key], Value::Null, "{key}");
    }
    assert_eq!(body["metadata"], json!({}));
}

#[tokio::test]
async fn post_without_trailing_slash_is_redirected_with_an_absolute_location() {
    let polar = MockPolar::start().await.unwrap();
    let token = polar.organization_token();
    let response = send(post(&polar, "/v1/customers?x=1", token, &minimal_body())).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response.headers()["location"],
        url(&polar, "/v1/customers/?x=1").as_str()
    );
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn unknown_routes_are_not_found_and_wrong_methods_not_allowed() {
    let polar = MockPolar::start().await.unwrap();
    let wrong_method = client()
        .delete(url(&polar, CUSTOMERS))
        .bearer_auth(polar.organization_token());
    let response = send(wrong_method).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_eq!(
        json_body(response).await,
        json!({"detail": "Method Not Allowed"})
    );
    for (method, path) in [
        ("GET", "/v1/products/"),
        ("GET", "/v1/customers/external/a%2Fb"),
        ("GET", "/v2/customers/"),
    ] {
        let request = client()
            .request(method.parse().unwrap(), url(&polar, path))
            .bearer_auth(polar.organization_token());
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(json_body(response).await, not_found());
    }
}

#[tokio::test]
async fn polar_version_is_echoed_when_supported_and_refused_before_auth_otherwise() {
    let polar = MockPolar::start().await.unwrap();
    let path = "/v1/customers/external/nobody";
    for (sent, echoed) in [
        (None, "2026-04"),
        (Some(""), "2026-04"),
        (Some("2026-04"), "2026-04"),
        (Some("2026-10"), "2026-10"),
    ] {
        let mut request = get(&polar, path, polar.organization_token());
        if let Some(sent) = sent {
            request = request.header("Polar-Version", sent);
        }
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()["polar-version"], echoed, "{sent:?}");
    }
    for sent in ["2025-01", "latest", "2026-04x"] {
        let request = get(&polar, path, "not-a-known-token").header("Polar-Version", sent);
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{sent}");
        assert!(response.headers().get("polar-version").is_none());
        assert_eq!(json_body(response).await, not_found());
    }
}

#[tokio::test]
async fn missing_empty_or_non_bearer_authorization_is_unauthorized() {
    let polar = MockPolar::start().await.unwrap();
    for authorization in [None, Some("Bearer "), Some("Basic dXNlcjpwYXNz"), Some("")] {
        let mut request = client().post(url(&polar, CUSTOMERS)).json(&minimal_body());
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        let response = send(request).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"polar\""
        );
        assert_eq!(json_body(response).await, unauthorized());
    }
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn unknown_token_is_invalid_token_even_before_routing() {
    let polar = MockPolar::start().await.unwrap();
    for path in ["/v1/customers/", "/v1/unknown"] {
        let token = "polar_oat_from_production";
        let response = send(post(&polar, path, token, &minimal_body())).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with(
                "Bearer realm=\"polar\", error=\"invalid_token\", error_description=\""
            )
        );
        let body = json_body(response).await;
        assert_eq!(body["error"], "invalid_token");
        assert_eq!(
            body["error_description"],
            "The access token provided is expired, revoked, malformed, or invalid for other reasons."
        );
        assert!(body.get("detail").is_none());
    }
}

#[tokio::test]
async fn token_without_write_scope_is_forbidden_to_create() {
    let polar = MockPolar::builder()
        .token_without_write_scope("polar_oat_read")
        .start()
        .await
        .unwrap();
    let response = create(&polar, "polar_oat_read", &minimal_body()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("scope=\"customers:write\"")
    );
    assert_eq!(json_body(response).await["error"], "insufficient_scope");
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn organization_token_must_not_set_organization_id() {
    let polar = MockPolar::start().await.unwrap();
    let own = polar.organization_id();
    let (status, body) = create_json(
        &polar,
        &json!({"email": "a@example.org", "organization_id": own}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"error": "PolarRequestValidationError", "detail": [{
            "type": "organization_token",
            "loc": ["body", "organization_id"],
            "msg": "Setting organization_id is disallowed when using an organization token.",
            "input": own.to_string(),
        }]})
    );
}

#[tokio::test]
async fn personal_token_needs_one_of_its_organizations() {
    let mine = Uuid::parse_str("8e8f3d2c-6a7b-4c1d-9e0f-1a2b3c4d5e6f").unwrap();
    let other = Uuid::parse_str("0c8f3d2c-6a7b-4c1d-9e0f-1a2b3c4d5e6f").unwrap();
    let polar = MockPolar::builder()
        .personal_token("polar_pat_me", [mine])
        .start()
        .await
        .unwrap();

    let missing = create(&polar, "polar_pat_me", &minimal_body()).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = &json_body(missing).await["detail"][0];
    assert_eq!(detail["type"], "missing");
    assert_eq!(detail["msg"], "organization_id is required.");

    let in_organization = |id: Uuid| json!({"email": "a@example.org", "organization_id": id});
    let foreign = create(&polar, "polar_pat_me", &in_organization(other)).await;
    assert_eq!(foreign.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = &json_body(foreign).await["detail"][0];
    assert_eq!(detail["loc"], json!(["body", "organization_id"]));
    assert_eq!(detail["msg"], "Organization not found.");

    let created = create(&polar, "polar_pat_me", &in_organization(mine)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        json_body(created).await["organization_id"],
        mine.to_string()
    );
}

#[tokio::test]
async fn schema_errors_carry_the_union_tag_and_come_all_at_once() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = create_json(
        &polar,
        &json!({
            "name": "x".repeat(257),
            "locale": "english",
            "metadata": {"": 1, "empty": "", "nested": {"a": 1}},
            "billing_address": {"country": "RU"},
            "external_id": "nul\u{0}byte",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "RequestValidationError");
    let detail = body["detail"].as_array().unwrap();
    let find = |loc: Value| detail.iter().find(|item| item["loc"] == loc).cloned();
    let missing = find(json!(["body", "individual", "email"])).unwrap();
    assert_eq!(missing["type"], "missing");
    assert_eq!(missing["msg"], "Field required");
    let long = find(json!(["body", "individual", "name"])).unwrap();
    assert_eq!(long["type"], "string_too_long");
    assert_eq!(long["ctx"], json!({"max_length": 256}));
    assert_eq!(
        find(json!(["body", "individual", "locale"])).unwrap()["type"],
        "string_pattern_mismatch"
    );
    assert_eq!(
        find(json!(["body", "individual", "metadata", "", "[key]"])).unwrap()["type"],
        "string_too_short"
    );
    assert_eq!(
        find(json!(["body", "individual", "metadata", "empty", "str"])).unwrap()["type"],
        "string_too_short"
    );
    assert!(find(json!(["body", "individual", "metadata", "nested", "bool"])).is_some());
    assert_eq!(
        find(json!(["body", "individual", "billing_address", "country"])).unwrap()["type"],
        "literal_error"
    );
    let nul = find(json!(["body", "individual", "external_id"])).unwrap();
    assert!(
        nul["msg"]
            .as_str()
            .unwrap()
            .contains("This value contains invalid characters")
    );
    for item in detail {
        for key in ["type", "loc", "msg", "input"] {
            assert!(item.get(key).is_some(), "{item} lacks {key}");
        }
    }
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn schema_rejects_bad_emails_too_much_metadata_and_unknown_types() {
    let polar = MockPolar::start().await.unwrap();
    let (_, body) = create_json(&polar, &json!({"type": "team", "email": "not-an-email"})).await;
    assert_eq!(body["detail"][0]["loc"], json!(["body", "team", "email"]));
    assert_eq!(body["detail"][0]["type"], "value_error");

    let metadata: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    let (_, body) = create_json(
        &polar,
        &json!({"email": "a@example.org", "metadata": metadata}),
    )
    .await;
    assert_eq!(
        body["detail"][0]["loc"],
        json!(["body", "individual", "metadata"])
    );
    assert_eq!(body["detail"][0]["type"], "too_long");

    let (status, body) = create_json(
        &polar,
        &json!({"type": "company", "email": "a@example.org"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"][0]["type"], "union_tag_invalid");
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn bodies_that_are_not_json_are_refused() {
    let polar = MockPolar::start().await.unwrap();
    // Raw text with this content type, to the create endpoint with the organization token.
    let post_text = |content_type: &str, text: &'static str| {
        client()
            .post(url(&polar, CUSTOMERS))
            .bearer_auth(polar.organization_token())
            .header("Content-Type", content_type)
            .body(text)
    };
    let form = send(post_text(
        "application/x-www-form-urlencoded",
        "email=a%40example.org",
    ))
    .await;
    let (status, body) = status_and_json(form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "RequestValidationError");
    assert_eq!(body["detail"][0]["type"], "model_attributes_type");

    let broken = send(post_text("application/json", "{\"email\": ")).await;
    let (status, body) = status_and_json(broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["detail"][0]["type"], "json_invalid");
    assert_eq!(body["detail"][0]["loc"][0], "body");
}

#[tokio::test]
async fn team_needs_an_email_or_an_owner_with_one() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = create_json(&polar, &json!({"type": "team", "name": "Acme"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "PolarRequestValidationError");
    assert_eq!(body["detail"][0]["loc"], json!(["body", "team"]));
    assert!(
        body["detail"][0]["msg"]
            .as_str()
            .unwrap()
            .starts_with("An owner with an email address is required")
    );

    let (status, body) = create_json(
        &polar,
        &json!({"type": "team", "name": "Acme", "owner": {"email": "owner@example.org"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["type"], "team");
    assert_eq!(body["email"], Value::Null);
    assert_eq!(body["avatar_url"], Value::Null);
}

#[tokio::test]
async fn duplicates_are_unprocessable_not_conflicts_and_email_ignores_case() {
    let polar = MockPolar::start().await.unwrap();
    let original = json!({"email": "dup@example.org", "external_id": "usr_1"});
    let (status, _) = create_json(&polar, &original).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = create_json(&polar, &json!({"email": "DUP@Example.ORG"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"error": "PolarRequestValidationError", "detail": [{
            "type": "value_error",
            "loc": ["body", "email"],
            "msg": "A customer with this email address already exists.",
            "input": "DUP@Example.ORG",
        }]})
    );

    let (_, body) = create_json(
        &polar,
        &json!({"email": "other@example.org", "external_id": "usr_1"}),
    )
    .await;
    assert_eq!(body["detail"][0]["loc"], json!(["body", "external_id"]));
    assert_eq!(
        body["detail"][0]["msg"],
        "A customer with this external ID already exists."
    );

    let (_, body) = create_json(&polar, &original).await;
    let locs: Vec<&Value> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| &item["loc"])
        .collect();
    assert_eq!(
        locs,
        [&json!(["body", "email"]), &json!(["body", "external_id"])]
    );
    assert_eq!(polar.customers().len(), 1);
}

#[tokio::test]
async fn tax_id_needs_a_billing_country_and_a_valid_value() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = create_json(
        &polar,
        &json!({"email": "a@example.org", "tax_id": "911144442"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["detail"],
        json!([{"type": "missing", "loc": ["body", "billing_address"], "msg": "Country is required to validate tax ID.", "input": null}])
    );
    let billed_in = |country: &str, tax_id: &str| {
        json!({
            "email": "a@example.org",
            "tax_id": tax_id,
            "billing_address": {"country": country},
        })
    };
    let (_, body) = create_json(&polar, &billed_in("US", "12")).await;
    assert_eq!(body["detail"][0]["type"], "invalid");
    let (status, body) = create_json(&polar, &billed_in("FR", "FR61954506077")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["tax_id"], json!(["FR61954506077", "eu_vat"]));
}

#[tokio::test]
async fn lookup_by_external_id_finds_the_stored_customer() {
    let polar = MockPolar::start().await.unwrap();
    let (_, created) = create_json(
        &polar,
        &json!({"email": "a@example.org", "external_id": "usr 1é"}),
    )
    .await;
    let path = |id: &str| format!("/v1/customers/external/{id}");
    let token = polar.organization_token();

    let found = send(get(&polar, &path("usr%201%C3%A9"), token)).await;
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(json_body(found).await, created);

    // Polar decodes `%2F` before routing: an id with a slash cannot be addressed.
    let (_, slashed) = create_json(
        &polar,
        &json!({"email": "b@example.org", "external_id": "usr/2"}),
    )
    .await;
    assert_eq!(slashed["external_id"], "usr/2");
    let unreachable = send(get(&polar, &path("usr%2F2"), token)).await;
    assert_eq!(unreachable.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(unreachable).await, not_found());

    let absent = send(get(&polar, &path("usr_2"), token)).await;
    assert_eq!(absent.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_body(absent).await,
        json!({"error": "ResourceNotFound", "detail": "Not found"})
    );

    let anonymous = send(client().get(url(&polar, &path("usr_2")))).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn list_answers_every_customer_newest_first_with_pagination_fields() {
    let polar = MockPolar::start().await.unwrap();
    let (status, empty) = list(&polar, polar.organization_token(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        empty,
        json!({"items": [], "pagination": {"total_count": 0, "max_page": 0}})
    );

    create_all(&polar, &ALPHABETICAL).await;
    let response = send(get(&polar, CUSTOMERS, polar.organization_token())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["polar-version"], "2026-04");
    let page = json_body(response).await;
    assert_eq!(emails(&page), REVERSED);
    assert_eq!(page["pagination"], json!({"total_count": 3, "max_page": 1}));
    let mut stored = polar.customers();
    stored.reverse();
    assert_eq!(
        page["items"],
        Value::Array(stored),
        "items are the stored bodies"
    );

    let (_, oldest_first) = list(&polar, polar.organization_token(), "sorting=created_at").await;
    assert_eq!(emails(&oldest_first), ALPHABETICAL);
}

#[tokio::test]
async fn list_email_filter_is_exact_and_ignores_case() {
    let polar = MockPolar::start().await.unwrap();
    create_all(
        &polar,
        &["jane@example.org", "jane@example.org.uk", "a+b@example.org"],
    )
    .await;
    let token = polar.organization_token().to_owned();
    let (status, found) = list(&polar, &token, "email=JANE%40Example.ORG").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emails(&found), ["jane@example.org"]);
    assert_eq!(
        found["pagination"],
        json!({"total_count": 1, "max_page": 1})
    );

    for (query, expected) in [
        ("email=jane%40example", Vec::<&str>::new()),
        ("email=jane", vec![]),
        ("email=", vec![]),
        ("email=a%2Bb%40example.org", vec!["a+b@example.org"]),
        ("email=a+b%40example.org", vec![]),
    ] {
        let (status, page) = list(&polar, &token, query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(emails(&page), expected, "{query}");
        assert_eq!(
            page["pagination"]["total_count"],
            json!(expected.len()),
            "{query}"
        );
    }

    let reqwest_encoded =
        send(get(&polar, CUSTOMERS, &token).query(&[("email", "A+B@example.org")])).await;
    let page = json_body(reqwest_encoded).await;
    assert_eq!(emails(&page), ["a+b@example.org"]);
}

#[tokio::test]
async fn list_pages_by_limit_and_clamps_the_limit_to_100() {
    let polar = MockPolar::start().await.unwrap();
    let addresses: Vec<String> = (0..25).map(|i| format!("c{i:02}@example.org")).collect();
    let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
    create_all(&polar, &addresses).await;
    let token = polar.organization_token().to_owned();

    let (_, first) = list(&polar, &token, "sorting=created_at").await;
    assert_eq!(emails(&first), addresses[..10]);
    assert_eq!(
        first["pagination"],
        json!({"total_count": 25, "max_page": 3})
    );
    let (_, third) = list(&polar, &token, "sorting=created_at&page=3").await;
    assert_eq!(emails(&third), addresses[20..]);
    let (_, beyond) = list(&polar, &token, "page=4").await;
    assert_eq!(emails(&beyond), Vec::<&str>::new());
    assert_eq!(beyond["pagination"]["total_count"], 25);

    let (_, second_of_seven) = list(&polar, &token, "sorting=created_at&limit=7&page=2").await;
    assert_eq!(emails(&second_of_seven), addresses[7..14]);
    assert_eq!(
        second_of_seven["pagination"],
        json!({"total_count": 25, "max_page": 4})
    );
    let (status, huge) = list(&polar, &token, "limit=1000&page=99999999999999999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(huge["pagination"]["max_page"], 1, "limit is clamped to 100");
    assert!(huge["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn list_sorts_by_email_and_name_with_nulls_last() {
    let polar = MockPolar::start().await.unwrap();
    for body in [
        json!({"email": "b@example.org", "name": "Zed"}),
        json!({"email": "a@example.org"}),
        json!({"email": "c@example.org", "name": "Amy"}),
    ] {
        assert_eq!(create_json(&polar, &body).await.0, StatusCode::CREATED);
    }
    let token = polar.organization_token().to_owned();
    let (_, by_email) = list(&polar, &token, "sorting=-email").await;
    assert_eq!(emails(&by_email), REVERSED);
    let (_, by_name) = list(&polar, &token, "sorting=name&sorting=email").await;
    assert_eq!(emails(&by_name), REVERSED);
    let (_, by_name_desc) = list(&polar, &token, "sorting=-name").await;
    assert_eq!(emails(&by_name_desc), ALPHABETICAL);
}

#[tokio::test]
async fn list_refuses_bad_parameters_all_at_once() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = list(
        &polar,
        polar.organization_token(),
        "page=0&limit=ten&sorting=created&organization_id=nope",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "RequestValidationError");
    let problems: Vec<(Value, Value)> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["type"].clone(), item["loc"].clone()))
        .collect();
    assert_eq!(
        problems,
        [
            (json!("greater_than"), json!(["query", "page"])),
            (json!("int_parsing"), json!(["query", "limit"])),
            (json!("enum"), json!(["query", "sorting", 0])),
            (
                json!("uuid_parsing"),
                json!(["query", "organization_id", 0])
            ),
        ]
    );
    assert_eq!(body["detail"][0]["ctx"], json!({"gt": 0}));
    assert_eq!(body["detail"][0]["input"], "0");
}

#[tokio::test]
async fn list_needs_a_valid_token_and_shows_only_the_tokens_organizations() {
    let organization = Uuid::from_u128(7);
    let other = Uuid::from_u128(8);
    let polar = MockPolar::builder()
        .organization_id(organization)
        .personal_token("polar_pat_member", [organization])
        .personal_token("polar_pat_outsider", [other])
        .token_without_write_scope("polar_oat_read_only")
        .start()
        .await
        .unwrap();
    create_all(&polar, &["a@example.org"]).await;

    let anonymous = send(client().get(url(&polar, CUSTOMERS))).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_body(anonymous).await, unauthorized());
    let (status, body) = list(&polar, "polar_oat_unknown", "page=0").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    let (status, _) = list(&polar, "polar_pat_member", "page=0").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "authentication comes before query validation"
    );

    for (token, query, expected) in [
        ("polar_oat_read_only", "", 1),
        ("polar_pat_member", "", 1),
        ("polar_pat_outsider", "", 0),
        (
            "polar_pat_member",
            &format!("organization_id={organization}") as &str,
            1,
        ),
        ("polar_pat_member", &format!("organization_id={other}"), 0),
        (
            "polar_pat_member",
            &format!("organization_id={other}&organization_id={organization}"),
            1,
        ),
    ] {
        let (status, page) = list(&polar, token, query).await;
        assert_eq!(status, StatusCode::OK, "{token} {query}");
        assert_eq!(
            page["pagination"]["total_count"],
            json!(expected),
            "{token} {query}"
        );
    }
}

#[tokio::test]
async fn list_without_trailing_slash_is_redirected_with_its_query() {
    let polar = MockPolar::start().await.unwrap();
    let token = polar.organization_token();
    let response = send(get(&polar, "/v1/customers?email=a%40example.org", token)).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response.headers()["location"],
        url(&polar, "/v1/customers/?email=a%40example.org").as_str()
    );
}

#[tokio::test]
async fn list_goes_through_version_check_and_faults() {
    let polar = MockPolar::start().await.unwrap();
    create_all(&polar, &["a@example.org"]).await;
    let token = polar.organization_token().to_owned();
    let request = || get(&polar, "/v1/customers/?email=a%40example.org", &token);

    let wrong_version = send(request().header("polar-version", "1999-01")).await;
    assert_eq!(wrong_version.status(), StatusCode::NOT_FOUND);

    polar.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
    );
    polar.fail_next(1, Fault::ServerError { status: 503 });
    polar.fail_next(1, Fault::DropBeforeStore);
    polar.fail_next(1, Fault::TruncatedBody);
    let limited = send(request()).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "1");
    assert_eq!(
        send(request()).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(request().send().await.is_err(), "connection dropped");
    let truncated = send(request()).await;
    assert_eq!(truncated.status(), StatusCode::OK);
    assert!(truncated.bytes().await.is_err(), "body cut short");

    let (status, page) = list(&polar, &token, "email=a%40example.org").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emails(&page), ["a@example.org"]);
    let paths: Vec<String> = polar
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert_eq!(paths.len(), 6);
    assert!(
        paths
            .iter()
            .all(|p| p == "/v1/customers/?email=a%40example.org")
    );
}

#[tokio::test]
async fn chunked_post_gets_length_required_and_huge_declared_length_gets_too_large() {
    let polar = MockPolar::start().await.unwrap();
    let chunked = raw_exchange(
        &polar,
        "POST /v1/customers/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    )
    .await;
    assert!(chunked.starts_with("HTTP/1.1 411"), "{chunked}");
    assert!(
        chunked.contains("\"error\":\"LengthRequired\""),
        "{chunked}"
    );

    let huge = raw_exchange(
        &polar,
        "POST /v1/customers/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10485761\r\n\r\n{",
    )
    .await;
    assert!(huge.starts_with("HTTP/1.1 413"), "{huge}");
    assert!(huge.contains("\"error\":\"RequestBodyTooLarge\""), "{huge}");
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn rate_limited_fault_answers_an_empty_429_and_stores_nothing() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(
        2,
        Fault::RateLimited {
            retry_after: Duration::from_millis(1500),
        },
    );
    for _ in 0..2 {
        let response = create_minimal(&polar).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "2");
        assert!(response.headers().get("content-type").is_none());
        assert!(
            response
                .headers()
                .keys()
                .all(|name| !name.as_str().starts_with("x-ratelimit"))
        );
        assert!(response.bytes().await.unwrap().is_empty());
    }
    assert!(polar.customers().is_empty());
    let (status, _) = create_json(&polar, &minimal_body()).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn server_error_and_proxy_page_faults() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(1, Fault::ServerError { status: 503 });
    polar.fail_next(1, Fault::ProxyErrorPage { status: 502 });
    let first = create_minimal(&polar).await;
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(first.json::<Value>().await.is_ok());
    let second = create_minimal(&polar).await;
    assert_eq!(second.status(), StatusCode::BAD_GATEWAY);
    assert!(
        second.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(second.headers().get("polar-version").is_none());
    assert!(second.text().await.unwrap().contains("502 Bad Gateway"));
    assert!(polar.customers().is_empty());
}

#[tokio::test]
async fn drop_before_store_closes_the_connection_and_stores_nothing() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(1, Fault::DropBeforeStore);
    let token = polar.organization_token();
    let result = post(&polar, CUSTOMERS, token, &minimal_body()).send().await;
    let error = result.unwrap_err();
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    assert!(polar.customers().is_empty());
    assert_eq!(polar.requests().len(), 1);
}

#[tokio::test]
async fn drop_after_store_loses_the_answer_but_keeps_the_customer() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(1, Fault::DropAfterStore);
    let body = json!({"email": "lost@example.org"});
    let result = post(&polar, CUSTOMERS, polar.organization_token(), &body)
        .send()
        .await;
    assert!(result.is_err());
    assert_eq!(polar.customers().len(), 1);
    let (status, body) = create_json(&polar, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["detail"][0]["msg"],
        "A customer with this email address already exists."
    );
}

#[tokio::test]
async fn truncated_body_fault_sends_headers_then_part_of_the_body() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(1, Fault::TruncatedBody);
    let response = create_minimal(&polar).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body() || error.is_decode(), "{error:?}");
    assert_eq!(polar.customers().len(), 1);
}

#[tokio::test]
async fn delay_fault_answers_normally_after_the_delay() {
    let polar = MockPolar::start().await.unwrap();
    polar.fail_next(1, Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let (status, _) = create_json(&polar, &minimal_body()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    let (status, _) = create_json(&polar, &json!({"email": "b@example.org"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creates_with_the_same_email_store_exactly_one() {
    let polar = MockPolar::start().await.unwrap();
    let http = client();
    let endpoint = url(&polar, CUSTOMERS);
    let sends = (0..16).map(|i| {
        let request = http
            .post(&endpoint)
            .bearer_auth(polar.organization_token())
            .json(
                &json!({"email": if i % 2 == 0 { "race@example.org" } else { "RACE@example.org" }}),
            );
        tokio::spawn(async move { request.send().await.unwrap().status() })
    });
    let mut created = 0;
    let mut duplicates = 0;
    for send in sends.collect::<Vec<_>>() {
        match send.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => duplicates += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, duplicates), (1, 15));
    assert_eq!(polar.customers().len(), 1);
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_headers_and_body_and_debug_hides_the_token() {
    let polar = MockPolar::start().await.unwrap();
    create_minimal(&polar).await;
    send(client().get(url(&polar, "/v1/customers/external/x?y=1"))).await;
    let requests = polar.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/v1/customers/")
    );
    assert_eq!(
        requests[0].header("AUTHORIZATION"),
        Some(format!("Bearer {}", polar.organization_token()).as_str())
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].body).unwrap(),
        minimal_body()
    );
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("GET", "/v1/customers/external/x?y=1")
    );
    assert!(!format!("{:?}", requests[0]).contains(polar.organization_token()));
    assert!(!format!("{polar:?}").contains(polar.organization_token()));
}

#[tokio::test]
async fn dropping_the_mock_closes_its_port() {
    let polar = MockPolar::builder()
        .organization_token("polar_oat_custom")
        .start()
        .await
        .unwrap();
    assert_eq!(polar.organization_token(), "polar_oat_custom");
    let address = host_and_port(&polar);
    TcpStream::connect(&address).await.unwrap();
    drop(polar);
    let mut refused = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "the listener outlived the MockPolar");
}
