//! Behaviour tests of the mock Polar's customer lifecycle (get, update, delete, list, state,
//! members, customer sessions, events, faults), over real HTTP on 127.0.0.1 with plain reqwest:
//! each test is one row of Polar's documented server behaviour, asserting status and body shape.

use polar_client_mock::{Fault, MockBenefitGrant, MockEvent, MockPolar, MockSubscription, Uuid};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The create and list endpoint.
const CUSTOMERS: &str = "/v1/customers/";
/// The customer-session endpoint.
const SESSIONS: &str = "/v1/customer-sessions/";
/// A version-4 UUID no customer has.
const UNKNOWN_ID: Uuid = Uuid::from_u128(0x6f1c_2a3e_5b4d_4c3e_9a8b_7c6d_5e4f_3a2b);
/// An organization other than the mock's own.
const OTHER_ORGANIZATION: Uuid = Uuid::from_u128(0x0a0b_0c0d_1e1f_4a2b_8c3d_4e5f_6a7b_8c9d);
/// How long a test waits for something that should happen at once (a bound, not a measure).
const PATIENCE: Duration = Duration::from_secs(10);

/// A reqwest client builder that does not follow redirects.
fn client_builder() -> reqwest::ClientBuilder {
    Client::builder().redirect(reqwest::redirect::Policy::none())
}

/// A reqwest client that does not follow redirects.
fn client() -> Client {
    client_builder().build().unwrap()
}

/// Sends `method path` with `token` and an optional JSON body; returns the status and the body
/// as JSON (`Value::Null` when empty, a JSON string when it is not JSON).
async fn call_as(
    polar: &MockPolar,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = client()
        .request(method, format!("{}{path}", polar.base_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, body)
}

/// `GET path` with the organization token.
async fn get(polar: &MockPolar, path: &str) -> (StatusCode, Value) {
    call_as(polar, polar.organization_token(), Method::GET, path, None).await
}

/// `POST path` with a JSON body and the organization token.
async fn post(polar: &MockPolar, path: &str, body: &Value) -> (StatusCode, Value) {
    call_as(
        polar,
        polar.organization_token(),
        Method::POST,
        path,
        Some(body),
    )
    .await
}

/// `PATCH path` with a JSON body and the organization token.
async fn patch(polar: &MockPolar, path: &str, body: &Value) -> (StatusCode, Value) {
    call_as(
        polar,
        polar.organization_token(),
        Method::PATCH,
        path,
        Some(body),
    )
    .await
}

/// `DELETE path` with the organization token.
async fn delete(polar: &MockPolar, path: &str) -> (StatusCode, Value) {
    call_as(
        polar,
        polar.organization_token(),
        Method::DELETE,
        path,
        None,
    )
    .await
}

/// Creates a customer from `body` and returns its JSON (asserting the 201).
async fn create(polar: &MockPolar, body: Value) -> Value {
    let (status, customer) = post(polar, CUSTOMERS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    customer
}

/// A fresh mock with one customer created from `body`.
async fn mock_with(body: Value) -> (MockPolar, Value) {
    let polar = MockPolar::start().await.unwrap();
    let customer = create(&polar, body).await;
    (polar, customer)
}

/// Creates, with the personal token `polar_pat_me`, an individual in the other organization.
async fn create_in_other_organization(polar: &MockPolar, email: &str) -> Value {
    let body = json!({"email": email, "organization_id": OTHER_ORGANIZATION});
    let (status, customer) =
        call_as(polar, "polar_pat_me", Method::POST, CUSTOMERS, Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    customer
}

/// Creates an individual with this email.
async fn create_individual(polar: &MockPolar, email: &str) -> Value {
    create(polar, json!({"email": email})).await
}

/// The id of a customer (or any object) body.
fn id(body: &Value) -> &str {
    body["id"].as_str().unwrap()
}

/// The path of a customer by id.
fn by_id(customer: &Value) -> String {
    format!("{CUSTOMERS}{}", id(customer))
}

/// The path of a customer by external id (already URL-safe).
fn by_external_id(external_id: &str) -> String {
    format!("{CUSTOMERS}external/{external_id}")
}

/// The `(loc, msg)` pairs of a 422 body, after checking its `error` kind.
fn problems(body: &Value, kind: &str) -> Vec<(Value, String)> {
    assert_eq!(body["error"], kind, "{body}");
    body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["loc"].clone(),
                item["msg"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Asserts a 422 `PolarRequestValidationError` with exactly these `(loc, msg)` items.
fn assert_rule_errors(status: StatusCode, body: &Value, expected: &[(Value, &str)]) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let expected: Vec<(Value, String)> = expected
        .iter()
        .map(|(loc, msg)| (loc.clone(), (*msg).to_owned()))
        .collect();
    assert_eq!(problems(body, "PolarRequestValidationError"), expected);
}

/// Asserts a 422 `PolarRequestValidationError` with one item at `["body", field]`.
fn assert_rule_error(status: StatusCode, body: &Value, field: &str, msg: &str) {
    assert_rule_errors(status, body, &[(json!(["body", field]), msg)]);
}

/// Asserts a 422 `RequestValidationError` whose items have these `(type, loc)`.
fn assert_schema_errors(status: StatusCode, body: &Value, expected: &[(&str, Value)]) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "RequestValidationError", "{body}");
    let found: Vec<(String, Value)> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["type"].as_str().unwrap().to_owned(),
                item["loc"].clone(),
            )
        })
        .collect();
    let expected: Vec<(String, Value)> = expected
        .iter()
        .map(|(kind, loc)| ((*kind).to_owned(), loc.clone()))
        .collect();
    assert_eq!(found, expected);
}

/// Asserts `404 {"error":"ResourceNotFound","detail": detail}`.
fn assert_resource_not_found(status: StatusCode, body: &Value, detail: &str) {
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        body,
        &json!({"error": "ResourceNotFound", "detail": detail})
    );
}

/// The event types recorded so far, in order.
fn event_types(events: &[MockEvent]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect()
}

/// The event types recorded after the first `skip` events.
fn event_types_since(polar: &MockPolar, skip: usize) -> Vec<String> {
    polar
        .events()
        .into_iter()
        .skip(skip)
        .map(|event| event.event_type)
        .collect()
}

/// A mock whose organization uses the member model.
async fn with_members() -> MockPolar {
    MockPolar::builder()
        .member_model(true)
        .start()
        .await
        .unwrap()
}

/// The emails of a list answer's items, in order.
fn emails(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|customer| customer["email"].as_str().unwrap())
        .collect()
}

/// The UUID of a customer body.
fn uuid(customer: &Value) -> Uuid {
    Uuid::parse_str(id(customer)).unwrap()
}

// ---- events ----

#[tokio::test]
async fn create_records_customer_created_then_state_changed_and_broadcasts_them() {
    let polar = MockPolar::start().await.unwrap();
    let mut receiver = polar.subscribe_events();
    let customer = create_individual(&polar, "jane@example.org").await;
    let events = polar.events();
    assert_eq!(
        event_types(&events),
        ["customer.created", "customer.state_changed"]
    );
    assert_eq!(events[0].data, customer);
    assert_eq!(events[1].data["id"], customer["id"]);
    assert_eq!(events[1].data["active_subscriptions"], json!([]));
    assert_eq!(receiver.recv().await.unwrap(), events[0]);
    assert_eq!(receiver.recv().await.unwrap(), events[1]);
    let envelope = events[0].envelope();
    assert_eq!(envelope["type"], "customer.created");
    assert!(envelope["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(envelope["data"], customer);
}

// ---- get, paths and access ----

#[tokio::test]
async fn get_by_id_and_by_external_id_answer_the_stored_customer() {
    let (polar, customer) =
        mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    for path in [by_id(&customer), by_external_id("usr_1")] {
        let (status, body) = get(&polar, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body, customer);
    }
    let (status, body) = get(&polar, &by_external_id("USR_1")).await;
    assert_resource_not_found(status, &body, "Not found");
    let (status, body) = get(&polar, &format!("{CUSTOMERS}{UNKNOWN_ID}")).await;
    assert_resource_not_found(status, &body, "Not found");
}

#[tokio::test]
async fn a_trailing_slash_on_a_single_resource_redirects_to_the_unslashed_path() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org", "external_id": "x"})).await;
    for (method, path) in [
        (Method::GET, format!("{}/", by_id(&customer))),
        (Method::PATCH, format!("{}/", by_id(&customer))),
        (Method::GET, format!("{}/state/", by_external_id("x"))),
        (Method::POST, "/v1/customer-sessions".to_owned()),
    ] {
        let response = client()
            .request(method.clone(), format!("{}{path}?q=1", polar.base_url()))
            .bearer_auth(polar.organization_token())
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::TEMPORARY_REDIRECT,
            "{method} {path}"
        );
        let toggled = match path.strip_suffix('/') {
            Some(unslashed) => unslashed.to_owned(),
            None => format!("{path}/"),
        };
        assert_eq!(
            response.headers()["location"],
            format!("{}{toggled}?q=1", polar.base_url()).as_str()
        );
    }
    assert_eq!(
        polar.customers()[0]["modified_at"],
        Value::Null,
        "nothing updated"
    );
}

#[tokio::test]
async fn customer_ids_in_paths_must_be_uuid_v4() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = get(&polar, "/v1/customers/not-a-uuid").await;
    assert_schema_errors(status, &body, &[("uuid_parsing", json!(["path", "id"]))]);
    let version_1 = "c232ab00-9414-11ec-b3c8-9f6bdeced846";
    let (status, body) = get(&polar, &format!("/v1/customers/{version_1}/state")).await;
    assert_schema_errors(status, &body, &[("uuid_version", json!(["path", "id"]))]);
    // An empty external id: `/external/` redirects to `/external`, which is `{id}` = "external".
    let response = client()
        .get(format!("{}/v1/customers/external/", polar.base_url()))
        .bearer_auth(polar.organization_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let (status, body) = get(&polar, "/v1/customers/external").await;
    assert_schema_errors(status, &body, &[("uuid_parsing", json!(["path", "id"]))]);
}

#[tokio::test]
async fn an_encoded_slash_in_an_external_id_splits_the_path_before_routing() {
    let (polar, _) = mock_with(json!({"email": "a@example.org", "external_id": "abc"})).await;
    let (status, state) = get(&polar, &by_external_id("abc%2Fstate")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "reached get_state_external for \"abc\""
    );
    assert_eq!(state["granted_benefits"], json!([]));
    let (status, body) = get(&polar, &by_external_id("a%2Fb")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Not Found"}));
}

#[tokio::test]
async fn scopes_gate_writes_members_and_sessions_and_session_tokens_are_anonymous() {
    let polar = MockPolar::builder()
        .token_without_write_scope("polar_oat_read")
        .token_with_customer_scopes_only("polar_oat_customers")
        .member_model(true)
        .start()
        .await
        .unwrap();
    let customer = create_individual(&polar, "a@example.org").await;
    let path = by_id(&customer);
    let (status, _) = call_as(&polar, "polar_oat_read", Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let cases = [
        (
            "polar_oat_read",
            Method::PATCH,
            path.clone(),
            "customers:write",
        ),
        (
            "polar_oat_read",
            Method::DELETE,
            path.clone(),
            "customers:write",
        ),
        (
            "polar_oat_customers",
            Method::POST,
            format!("{path}/members"),
            "members:write",
        ),
        (
            "polar_oat_customers",
            Method::POST,
            SESSIONS.to_owned(),
            "customer_sessions:write",
        ),
    ];
    for (token, method, path, scope) in cases {
        let response = client()
            .request(method.clone(), format!("{}{path}", polar.base_url()))
            .bearer_auth(token)
            .json(&json!({"email": "b@example.org", "customer_id": id(&customer)}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{token} {method} {path}"
        );
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.contains(&format!("scope=\"{scope}\"")),
            "{challenge}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "insufficient_scope");
    }
    let (status, _) = call_as(
        &polar,
        "polar_oat_customers",
        Method::PATCH,
        &path,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, session) = post(&polar, SESSIONS, &json!({"customer_id": id(&customer)})).await;
    let session_token = session["token"].as_str().unwrap();
    let (status, body) = call_as(&polar, session_token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": "Unauthorized", "detail": "Unauthorized"})
    );
}

#[tokio::test]
async fn a_customer_of_another_organization_is_not_found_never_forbidden() {
    let polar = MockPolar::builder()
        .personal_token("polar_pat_me", [OTHER_ORGANIZATION])
        .start()
        .await
        .unwrap();
    let theirs = create_in_other_organization(&polar, "a@example.org").await;
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({}))),
        (Method::DELETE, None),
    ] {
        let (status, answer) = call_as(
            &polar,
            polar.organization_token(),
            method,
            &by_id(&theirs),
            body.as_ref(),
        )
        .await;
        assert_resource_not_found(status, &answer, "Not found");
    }
}

// ---- update ----

#[tokio::test]
async fn patch_without_content_length_is_length_required_but_delete_is_exempt() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org"})).await;
    let address = polar.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "PATCH {} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
        by_id(&customer),
        polar.organization_token()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0_u8; 12];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut head))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 411");
    assert_eq!(polar.customers()[0]["modified_at"], Value::Null);
    // reqwest sends a bodiless DELETE without Content-Length.
    let (status, _) = delete(&polar, &by_id(&customer)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn patch_email_ignores_null_and_case_only_changes_and_unverifies_a_real_change() {
    let (polar, customer) = mock_with(json!({"email": "Jane@Example.org"})).await;
    let path = by_id(&customer);
    for body in [json!({"email": "jane@example.org"}), json!({"email": null})] {
        let (status, updated) = patch(&polar, &path, &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(updated["email"], "Jane@Example.org", "{body}");
    }
    let (status, updated) = patch(&polar, &path, &json!({"email": "june@example.org"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["email"], "june@example.org");
    assert_eq!(updated["email_verified"], false);
    assert!(updated["modified_at"].is_string());
    assert_eq!(polar.customers()[0], updated);
}

#[tokio::test]
async fn patch_email_of_another_live_customer_is_refused_ignoring_case() {
    let (polar, _) = mock_with(json!({"email": "taken@example.org"})).await;
    let customer = create_individual(&polar, "b@example.org").await;
    let (status, body) = patch(
        &polar,
        &by_id(&customer),
        &json!({"email": "TAKEN@example.org"}),
    )
    .await;
    assert_rule_error(
        status,
        &body,
        "email",
        "A customer with this email address already exists.",
    );
}

#[tokio::test]
async fn patch_name_null_or_blank_clears_it_and_a_value_is_trimmed() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org", "name": "Jane"})).await;
    let path = by_id(&customer);
    for (sent, stored) in [
        (json!(" Jo "), json!("Jo")),
        (json!(null), json!(null)),
        (json!("Ann"), json!("Ann")),
        (json!("   "), json!(null)),
    ] {
        let (status, updated) = patch(&polar, &path, &json!({"name": sent})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(updated["name"], stored, "{sent}");
        assert_eq!(updated["billing_name"], stored, "{sent}");
    }
    let (status, updated) = patch(&polar, &path, &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["name"], Value::Null, "absent leaves it");
}

#[tokio::test]
async fn patch_billing_address_null_is_refused_even_when_none_is_set_and_a_value_replaces_it() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org"})).await;
    let path = by_id(&customer);
    let (status, body) = patch(&polar, &path, &json!({"billing_address": null})).await;
    assert_rule_error(
        status,
        &body,
        "billing_address",
        "Customer billing address cannot be reset to null once set.",
    );
    let first =
        json!({"country": "us", "line1": "1 Main St", "city": "Springfield", "state": "ca"});
    let (_, updated) = patch(&polar, &path, &json!({"billing_address": first})).await;
    assert_eq!(updated["billing_address"]["state"], "US-CA");
    let (status, updated) = patch(
        &polar,
        &path,
        &json!({"billing_address": {"country": "FR"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        updated["billing_address"],
        json!({"line1": null, "line2": null, "postal_code": null, "city": null, "state": null, "country": "FR"})
    );
}

#[tokio::test]
async fn patch_metadata_replaces_the_whole_map_and_null_is_a_schema_error() {
    let (polar, customer) =
        mock_with(json!({"email": "a@example.org", "metadata": {"a": 1, "b": "x"}})).await;
    let path = by_id(&customer);
    let (_, updated) = patch(&polar, &path, &json!({"metadata": {"c": true}})).await;
    assert_eq!(updated["metadata"], json!({"c": true}));
    let (_, updated) = patch(&polar, &path, &json!({"metadata": {}})).await;
    assert_eq!(updated["metadata"], json!({}));
    let (status, body) = patch(&polar, &path, &json!({"metadata": null})).await;
    assert_schema_errors(status, &body, &[("dict_type", json!(["body", "metadata"]))]);
}

#[tokio::test]
async fn external_id_is_write_once() {
    let (polar, _) = mock_with(json!({"email": "other@example.org", "external_id": "taken"})).await;
    let with = create(
        &polar,
        json!({"email": "a@example.org", "external_id": "usr_1"}),
    )
    .await;
    let (status, _) = patch(&polar, &by_id(&with), &json!({"external_id": " usr_1 "})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the current value (trimmed) is a no-op"
    );
    for sent in [json!("usr_2"), json!(null), json!("")] {
        let (status, body) = patch(&polar, &by_id(&with), &json!({"external_id": sent})).await;
        assert_rule_error(
            status,
            &body,
            "external_id",
            "Customer external ID cannot be updated.",
        );
    }
    let without = create_individual(&polar, "b@example.org").await;
    let (status, body) = patch(&polar, &by_id(&without), &json!({"external_id": "taken"})).await;
    assert_rule_error(
        status,
        &body,
        "external_id",
        "A customer with this external ID already exists.",
    );
    let (status, body) = patch(&polar, &by_id(&without), &json!({"external_id": null})).await;
    assert_eq!(
        (status, &body["external_id"]),
        (StatusCode::OK, &Value::Null)
    );
    let (status, body) = patch(&polar, &by_id(&without), &json!({"external_id": "usr_3"})).await;
    assert_eq!(
        (status, &body["external_id"]),
        (StatusCode::OK, &json!("usr_3"))
    );
}

#[tokio::test]
async fn type_only_upgrades_from_individual_to_team() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org"})).await;
    let path = by_id(&customer);
    let (status, updated) = patch(&polar, &path, &json!({"type": null})).await;
    assert_eq!(
        (status, &updated["type"]),
        (StatusCode::OK, &json!("individual"))
    );
    let (status, updated) = patch(&polar, &path, &json!({"type": "team"})).await;
    assert_eq!((status, &updated["type"]), (StatusCode::OK, &json!("team")));
    for sent in [json!("individual"), json!(null)] {
        let (status, body) = patch(&polar, &path, &json!({"type": sent})).await;
        assert_rule_error(
            status,
            &body,
            "type",
            "Customer type cannot be downgraded from 'team' to 'individual'.",
        );
    }
    let (status, body) = patch(&polar, &path, &json!({"type": "company"})).await;
    assert_schema_errors(status, &body, &[("enum", json!(["body", "type"]))]);
}

#[tokio::test]
async fn patch_by_external_id_ignores_external_id_and_type() {
    let (polar, _) = mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    let body = json!({"external_id": "usr_2", "type": "team", "name": "Jo", "billing_name": "X"});
    let (status, updated) = patch(&polar, &by_external_id("usr_1"), &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            &updated["external_id"],
            &updated["type"],
            &updated["name"],
            &updated["billing_name"]
        ),
        (
            &json!("usr_1"),
            &json!("individual"),
            &json!("Jo"),
            &json!("Jo")
        )
    );
}

#[tokio::test]
async fn rule_errors_are_collected_into_one_422_and_nothing_changes() {
    let (polar, _) = mock_with(json!({"email": "taken@example.org"})).await;
    let team = create(
        &polar,
        json!({"type": "team", "email": "t@example.org", "external_id": "t"}),
    )
    .await;
    let body = json!({
        "email": "taken@example.org",
        "billing_address": null,
        "external_id": "other",
        "type": "individual",
        "name": "Changed",
    });
    let (status, answer) = patch(&polar, &by_id(&team), &body).await;
    assert_rule_errors(
        status,
        &answer,
        &[
            (
                json!(["body", "email"]),
                "A customer with this email address already exists.",
            ),
            (
                json!(["body", "billing_address"]),
                "Customer billing address cannot be reset to null once set.",
            ),
            (
                json!(["body", "external_id"]),
                "Customer external ID cannot be updated.",
            ),
            (
                json!(["body", "type"]),
                "Customer type cannot be downgraded from 'team' to 'individual'.",
            ),
        ],
    );
    assert_eq!(polar.customers()[1], team);
}

#[tokio::test]
async fn a_new_country_revalidates_the_stored_tax_id() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org", "billing_address": {"country": "US"}, "tax_id": "91-1144442"})).await;
    assert_eq!(customer["tax_id"], json!(["911144442", "us_ein"]));
    let path = by_id(&customer);
    let (status, body) = patch(
        &polar,
        &path,
        &json!({"billing_address": {"country": "DE"}}),
    )
    .await;
    assert_rule_error(status, &body, "tax_id", "Invalid tax ID.");
    assert_eq!(body["detail"][0]["input"], "911144442", "the stored value");
    let change = json!({"billing_address": {"country": "DE"}, "tax_id": "DE123456789"});
    let (status, updated) = patch(&polar, &path, &change).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["tax_id"], json!(["DE123456789", "eu_vat"]));
    let (_, updated) = patch(&polar, &path, &json!({"tax_id": null})).await;
    assert_eq!(updated["tax_id"], Value::Null);

    let no_address = create_individual(&polar, "b@example.org").await;
    let (status, body) = patch(&polar, &by_id(&no_address), &json!({"tax_id": "911144442"})).await;
    assert_rule_error(
        status,
        &body,
        "billing_address",
        "Country is required to validate tax ID.",
    );
}

#[tokio::test]
async fn every_accepted_patch_records_customer_updated_even_an_empty_one() {
    let (polar, customer) = mock_with(json!({"email": "a@example.org"})).await;
    let before = polar.events().len();
    let (_, updated) = patch(&polar, &by_id(&customer), &json!({})).await;
    patch(&polar, &by_id(&customer), &json!({"billing_address": null})).await;
    let events = polar.events();
    assert_eq!(
        event_types(&events[before..]),
        ["customer.updated", "customer.state_changed"]
    );
    assert_eq!(events[before].data, updated);
}

// ---- delete ----

#[tokio::test]
async fn delete_is_a_soft_delete_that_hides_the_customer_and_frees_email_and_external_id() {
    let (polar, customer) = mock_with(
        json!({"email": "a@example.org", "external_id": "usr_1", "metadata": {"plan": "pro"}}),
    )
    .await;
    let before = polar.events().len();
    let (status, body) = delete(&polar, &by_id(&customer)).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    for (method, path) in [
        (Method::GET, by_id(&customer)),
        (Method::GET, by_external_id("usr_1")),
        (Method::GET, format!("{}/state", by_id(&customer))),
        (Method::PATCH, by_id(&customer)),
        (Method::DELETE, by_id(&customer)),
        (Method::DELETE, by_external_id("usr_1")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({}));
        let (status, answer) = call_as(
            &polar,
            polar.organization_token(),
            method,
            &path,
            body.as_ref(),
        )
        .await;
        assert_resource_not_found(status, &answer, "Not found");
    }
    let (_, page) = get(&polar, CUSTOMERS).await;
    assert_eq!(page["pagination"]["total_count"], 0);

    let stored = &polar.customers()[0];
    assert!(stored["deleted_at"].is_string());
    assert_eq!(stored["external_id"], "usr_1", "still shown");
    assert_eq!(
        stored["metadata"],
        json!({"plan": "pro", "__external_id": "usr_1"})
    );
    let events = polar.events();
    assert_eq!(
        event_types(&events[before..]),
        ["customer.deleted", "customer.state_changed"]
    );
    assert_eq!(&events[before].data, stored);

    let again = create(
        &polar,
        json!({"email": "A@example.org", "external_id": "usr_1"}),
    )
    .await;
    assert_ne!(again["id"], customer["id"]);
    let (status, found) = get(&polar, &by_external_id("usr_1")).await;
    assert_eq!((status, found), (StatusCode::OK, again));
}

#[tokio::test]
async fn delete_with_anonymize_replaces_personal_data_but_keeps_a_business_name() {
    let (polar, person) = mock_with(
        json!({"email": "jane@example.org", "name": "Jane", "external_id": "usr_1",
               "billing_address": {"country": "FR", "city": "Paris"}}),
    )
    .await;
    let business = create(
        &polar,
        json!({"email": "acme@example.org", "name": "Acme", "billing_address": {"country": "US"},
               "tax_id": "911144442"}),
    )
    .await;
    for customer in [&person, &business] {
        let (status, _) = delete(&polar, &format!("{}?anonymize=true", by_id(customer))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let stored = polar.customers();
    let email = stored[0]["email"].as_str().unwrap();
    let (hash, domain) = email.split_once('@').unwrap();
    assert_eq!(domain, "anonymized.polar.sh");
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(stored[0]["name"], "Jane");
    assert!(stored[0]["name"].is_string());
    assert_eq!(stored[0]["billing_address"], Value::Null);
    assert_eq!(stored[0]["email_verified"], false);
    assert_eq!(stored[0]["metadata"]["__external_id"], "usr_1");
    assert!(stored[0]["metadata"]["__anonymized_at"].is_string());
    assert_eq!(
        stored[1]["name"], "Acme",
        "a customer with a tax id keeps its name"
    );
    assert_eq!(stored[1]["tax_id"], business["tax_id"]);
    assert_ne!(stored[1]["billing_name"], "Acme");
    let (status, body) = delete(
        &polar,
        &format!("{CUSTOMERS}{UNKNOWN_ID}?anonymize=perhaps"),
    )
    .await;
    assert_schema_errors(
        status,
        &body,
        &[("bool_parsing", json!(["query", "anonymize"]))],
    );
}

#[tokio::test]
async fn a_retried_delete_after_a_lost_204_finds_the_customer_already_gone() {
    let (polar, _) = mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    polar.fail_next_matching(Method::DELETE, CUSTOMERS, 1, Fault::DropAfterStore);
    let lost = client()
        .delete(format!("{}{}", polar.base_url(), by_external_id("usr_1")))
        .bearer_auth(polar.organization_token())
        .send()
        .await;
    assert!(lost.is_err(), "the answer was lost");
    let (status, body) = delete(&polar, &by_external_id("usr_1")).await;
    assert_resource_not_found(status, &body, "Not found");
    assert!(polar.customers()[0]["deleted_at"].is_string());
}

#[tokio::test]
async fn delete_removes_members_first_and_cancels_billable_subscriptions() {
    let polar = with_members().await;
    let team = create(&polar, json!({"type": "team", "email": "t@example.org"})).await;
    let (status, _) = post(
        &polar,
        &format!("{}/members", by_id(&team)),
        &json!({"email": "m@example.org"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    for status in ["active", "past_due", "canceled"] {
        polar
            .add_subscription(uuid(&team), MockSubscription::new().status(status))
            .unwrap();
    }
    polar
        .grant_benefit(uuid(&team), MockBenefitGrant::new())
        .unwrap();
    let before = polar.events().len();
    let (status, _) = delete(&polar, &by_id(&team)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let events = polar.events();
    assert_eq!(
        event_types(&events[before..]),
        [
            "member.deleted",
            "member.deleted",
            "customer.deleted",
            "customer.state_changed"
        ]
    );
    let deleted: Vec<&str> = events[before..before + 2]
        .iter()
        .map(|event| event.data["email"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["t@example.org", "m@example.org"]);
    let state = &events.last().unwrap().data;
    assert_eq!(state["active_subscriptions"], json!([]));
    assert_eq!(state["granted_benefits"], json!([]));
    assert!(
        polar
            .add_subscription(uuid(&team), MockSubscription::new())
            .is_none(),
        "deleted"
    );
}

// ---- list ----

#[tokio::test]
async fn list_query_matches_email_name_and_billing_name_anywhere_and_external_id_as_prefix() {
    let (polar, _) = mock_with(json!({"email": "alice@example.org", "name": "Alice Smith"})).await;
    create(
        &polar,
        json!({"email": "bob@example.org", "external_id": "smith_2"}),
    )
    .await;
    create(
        &polar,
        json!({"email": "carol@example.org", "external_id": "x_smith"}),
    )
    .await;
    create(&polar, json!({"email": "dave@SMITH.example"})).await;
    let (status, page) = get(&polar, "/v1/customers/?query=SMITH&sorting=email").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        emails(&page),
        ["alice@example.org", "bob@example.org", "dave@SMITH.example"]
    );
}

#[tokio::test]
async fn list_active_counts_past_due_which_state_does_not_list() {
    let (polar, due) = mock_with(json!({"email": "due@example.org"})).await;
    let trial = create_individual(&polar, "trial@example.org").await;
    let gone = create_individual(&polar, "gone@example.org").await;
    polar
        .add_subscription(uuid(&due), MockSubscription::new().status("past_due"))
        .unwrap();
    polar
        .add_subscription(uuid(&trial), MockSubscription::new().status("trialing"))
        .unwrap();
    polar
        .add_subscription(uuid(&gone), MockSubscription::new().status("canceled"))
        .unwrap();
    let (_, active) = get(&polar, "/v1/customers/?active=true&sorting=email").await;
    assert_eq!(emails(&active), ["due@example.org", "trial@example.org"]);
    let (_, inactive) = get(&polar, "/v1/customers/?active=false").await;
    assert_eq!(emails(&inactive), ["gone@example.org"]);
    let (_, state) = get(&polar, &format!("{}/state", by_id(&due))).await;
    assert_eq!(state["active_subscriptions"], json!([]));
    let (status, body) = get(&polar, "/v1/customers/?active=maybe").await;
    assert_schema_errors(
        status,
        &body,
        &[("bool_parsing", json!(["query", "active"]))],
    );
}

#[tokio::test]
async fn list_metadata_filters_or_within_a_key_and_within_keys_compare_as_text() {
    let polar = MockPolar::start().await.unwrap();
    for (email, metadata) in [
        (
            "a@example.org",
            json!({"plan": "pro", "beta": true, "seats": 1}),
        ),
        ("b@example.org", json!({"plan": "team", "beta": true})),
        ("c@example.org", json!({"plan": "free", "beta": false})),
    ] {
        create(&polar, json!({"email": email, "metadata": metadata})).await;
    }
    let cases = [
        (
            "metadata%5Bplan%5D=pro&metadata%5Bplan%5D=team",
            vec!["a@example.org", "b@example.org"],
        ),
        (
            "metadata[plan]=pro&metadata[plan]=team&metadata[seats]=1",
            vec!["a@example.org"],
        ),
        (
            "metadata[beta]=true",
            vec!["a@example.org", "b@example.org"],
        ),
        ("metadata[beta]=True", vec![]),
        ("metadata[missing]=x", vec![]),
    ];
    for (query, expected) in cases {
        let (status, page) = get(&polar, &format!("/v1/customers/?{query}&sorting=email")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(emails(&page), expected, "{query}");
    }
}

#[tokio::test]
async fn list_pagination_counts_only_live_customers_and_organization_id_repeats() {
    let own = Uuid::from_u128(0x1dbf_c517_0bbf_4301_9ba8_555c_a42b_0001);
    let polar = MockPolar::builder()
        .organization_id(own)
        .personal_token("polar_pat_me", [OTHER_ORGANIZATION, own])
        .start()
        .await
        .unwrap();
    for email in ["a@example.org", "b@example.org", "c@example.org"] {
        create_individual(&polar, email).await;
    }
    create_in_other_organization(&polar, "d@example.org").await;
    let (_, page) = get(&polar, "/v1/customers/?limit=2").await;
    let newest = page["items"][0].clone();
    delete(&polar, &by_id(&newest)).await;
    let (_, page) = get(&polar, "/v1/customers/?limit=2&page=2").await;
    assert_eq!(page["pagination"], json!({"total_count": 2, "max_page": 1}));
    assert_eq!(page["items"], json!([]));
    let query = format!(
        "/v1/customers/?organization_id={OTHER_ORGANIZATION}&organization_id={}&sorting=-email",
        polar.organization_id()
    );
    let (_, both) = call_as(&polar, "polar_pat_me", Method::GET, &query, None).await;
    assert_eq!(
        emails(&both),
        ["d@example.org", "b@example.org", "a@example.org"]
    );
}

#[tokio::test]
async fn an_insert_between_pages_shifts_offset_paging_as_on_polar() {
    let polar = MockPolar::start().await.unwrap();
    for email in ["a@example.org", "b@example.org", "c@example.org"] {
        create_individual(&polar, email).await;
    }
    let (_, first) = get(&polar, "/v1/customers/?limit=2&page=1").await;
    assert_eq!(emails(&first), ["c@example.org", "b@example.org"]);
    create_individual(&polar, "d@example.org").await;
    let (_, second) = get(&polar, "/v1/customers/?limit=2&page=2").await;
    assert_eq!(
        emails(&second),
        ["b@example.org", "a@example.org"],
        "newest first: the insert pushes b onto page 2 again"
    );
    assert_eq!(
        second["pagination"],
        json!({"total_count": 4, "max_page": 2})
    );
}

// ---- state ----

#[tokio::test]
async fn state_lists_active_and_trialing_subscriptions_benefits_of_any_type_and_meters() {
    let (polar, customer) =
        mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    let before = polar.events().len();
    let active = polar
        .add_subscription(uuid(&customer), MockSubscription::new().status("active"))
        .unwrap();
    let trialing = polar
        .add_subscription(uuid(&customer), MockSubscription::new().status("trialing"))
        .unwrap();
    polar
        .add_subscription(uuid(&customer), MockSubscription::new().status("past_due"))
        .unwrap();
    let grant = polar
        .grant_benefit(
            uuid(&customer),
            MockBenefitGrant::new()
                .benefit_type("quantum_entanglement")
                .field("tier", json!({"level": 3})),
        )
        .unwrap();
    let meter = polar
        .add_meter(uuid(&customer), json!({"consumed_units": 2.5}))
        .unwrap();
    assert_eq!(grant["benefit_type"], "quantum_entanglement");
    assert_eq!(grant["tier"], json!({"level": 3}));
    assert!(
        active["price_id"].is_string(),
        "Polar sends price_id although the spec omits it"
    );
    assert_eq!(
        event_types_since(&polar, before),
        ["customer.state_changed"; 5]
    );

    for path in [
        format!("{}/state", by_id(&customer)),
        format!("{}/state", by_external_id("usr_1")),
    ] {
        let (status, state) = get(&polar, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["id"], customer["id"]);
        assert_eq!(state["email"], "a@example.org");
        assert_eq!(state["active_subscriptions"], json!([active, trialing]));
        assert_eq!(state["granted_benefits"], json!([grant]));
        assert_eq!(state["active_meters"], json!([meter]));
        assert_eq!(state, polar.events().last().unwrap().data);
    }
    assert!(
        polar
            .grant_benefit(UNKNOWN_ID, MockBenefitGrant::new())
            .is_none()
    );
}

// ---- members ----

/// The members path of a customer by id.
fn members_of(customer: &Value) -> String {
    format!("{}/members", by_id(customer))
}

/// Creates a team customer (with an owner member when the member model is on).
async fn create_team(polar: &MockPolar) -> Value {
    create(
        polar,
        json!({"type": "team", "email": "team@example.org", "external_id": "team_1",
                         "owner": {"email": "owner@example.org", "name": "Olivia"}}),
    )
    .await
}

/// Adds a member to a customer and returns it (asserting the 201).
async fn add_member(polar: &MockPolar, customer: &Value, body: Value) -> Value {
    let (status, member) = post(polar, &members_of(customer), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    member
}

/// A member-model mock with a team customer (owner `owner@example.org`) and one more member
/// created from `member`.
async fn team_with_member(member: Value) -> (MockPolar, Value, Value) {
    let polar = with_members().await;
    let team = create_team(&polar).await;
    let member = add_member(&polar, &team, member).await;
    (polar, team, member)
}

/// The path of one member by customer id and member id.
fn member_path(customer: &Value, member: &Value) -> String {
    format!("{}/{}", members_of(customer), id(member))
}

#[tokio::test]
async fn members_need_the_organizations_member_feature() {
    let polar = MockPolar::start().await.unwrap();
    let team = create_team(&polar).await;
    let (status, body) = post(
        &polar,
        &members_of(&team),
        &json!({"email": "m@example.org"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"error": "NotPermitted", "detail": "Member management is not enabled for this organization"})
    );
    let seats = MockPolar::builder()
        .seat_based_pricing(true)
        .start()
        .await
        .unwrap();
    let team = create_team(&seats).await;
    add_member(&seats, &team, json!({"email": "m@example.org"})).await;
}

#[tokio::test]
async fn an_individual_customer_has_only_its_owner() {
    let polar = with_members().await;
    let customer = create(&polar, json!({"email": "jane@example.org", "name": "Jane"})).await;
    let events = polar.events();
    assert_eq!(
        event_types(&events),
        [
            "member.created",
            "customer.created",
            "customer.state_changed"
        ]
    );
    let owner = &events[0].data;
    assert_eq!(
        (
            &owner["email"],
            &owner["name"],
            &owner["role"],
            &owner["customer_id"]
        ),
        (
            &json!("jane@example.org"),
            &json!("Jane"),
            &json!("owner"),
            &customer["id"]
        )
    );
    for email in ["other@example.org", "jane@example.org"] {
        let (status, body) = post(&polar, &members_of(&customer), &json!({"email": email})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        assert_eq!(
            body["detail"],
            "Individual customers can only have one member (the owner). Upgrade to a team customer to add more members."
        );
    }
}

#[tokio::test]
async fn member_create_is_idempotent_by_email() {
    let (polar, team, first) =
        team_with_member(json!({"email": "m@example.org", "name": "Max"})).await;
    assert_eq!(
        (&first["role"], &first["name"]),
        (&json!("member"), &json!("Max"))
    );
    let before = polar.events().len();
    let body = json!({"email": "M@Example.org", "name": "Other", "role": "billing_manager"});
    let again = add_member(&polar, &team, body).await;
    assert_eq!(again, first);
    assert_eq!(polar.events().len(), before, "no webhook");
    let (status, body) = post(
        &polar,
        &members_of(&team),
        &json!({"email": "o@example.org", "role": "owner"}),
    )
    .await;
    assert_schema_errors(status, &body, &[("enum", json!(["body", "role"]))]);
    let (status, body) = post(&polar, &members_of(&team), &json!({"name": "No email"})).await;
    assert_schema_errors(status, &body, &[("missing", json!(["body", "email"]))]);
}

#[tokio::test]
async fn promoting_a_member_to_owner_transfers_ownership() {
    let polar = with_members().await;
    let team = create_team(&polar).await;
    let owner_id = polar.events()[0].data["id"].clone();
    let member = add_member(&polar, &team, json!({"email": "m@example.org"})).await;
    let before = polar.events().len();
    let (status, promoted) = patch(
        &polar,
        &member_path(&team, &member),
        &json!({"role": "owner"}),
    )
    .await;
    assert_eq!(
        (status, &promoted["role"]),
        (StatusCode::OK, &json!("owner"))
    );
    let previous = json!({"id": owner_id});
    let (_, demoted) = get(&polar, &member_path(&team, &previous)).await;
    assert_eq!(demoted["role"], "billing_manager");
    let events = polar.events();
    assert_eq!(event_types(&events[before..]), ["member.updated"]);
    assert_eq!(events[before].data, promoted);
}

#[tokio::test]
async fn the_only_owner_can_be_neither_demoted_nor_deleted() {
    let polar = with_members().await;
    let team = create_team(&polar).await;
    let owner = polar.events()[0].data.clone();
    let path = member_path(&team, &owner);
    let (status, body) = patch(&polar, &path, &json!({"role": "member"})).await;
    assert_rule_error(
        status,
        &body,
        "role",
        "Cannot change role. Customer must have exactly one owner.",
    );
    let (status, body) = delete(&polar, &path).await;
    assert_rule_errors(
        status,
        &body,
        &[(
            json!(["body"]),
            "Cannot delete the only owner. Transfer ownership first.",
        )],
    );
    let member = add_member(&polar, &team, json!({"email": "m@example.org"})).await;
    let (status, _) = delete(&polar, &member_path(&team, &member)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(polar.events().last().unwrap().event_type, "member.deleted");
    let (status, body) = get(&polar, &member_path(&team, &member)).await;
    assert_resource_not_found(status, &body, "Member not found");
}

#[tokio::test]
async fn member_email_changes_follow_polars_rules() {
    let polar = with_members().await;
    let individual = create_individual(&polar, "jane@example.org").await;
    let owner = polar.events()[0].data.clone();
    let (status, body) = patch(
        &polar,
        &member_path(&individual, &owner),
        &json!({"email": "j@example.org"}),
    )
    .await;
    assert_rule_error(
        status,
        &body,
        "email",
        "Cannot change the email of an individual customer's owner. Update the customer's email instead.",
    );
    // The customer's email change carries over to its owner member.
    patch(
        &polar,
        &by_id(&individual),
        &json!({"email": "jane.doe@example.org"}),
    )
    .await;
    let (_, owner) = get(&polar, &member_path(&individual, &owner)).await;
    assert_eq!(owner["email"], "jane.doe@example.org");

    let team = create_team(&polar).await;
    let member = add_member(&polar, &team, json!({"email": "m@example.org"})).await;
    let path = member_path(&team, &member);
    let (status, body) = patch(&polar, &path, &json!({"email": "OWNER@example.org"})).await;
    assert_rule_error(
        status,
        &body,
        "email",
        "A member with this email already exists for this customer.",
    );
    let (status, updated) = patch(&polar, &path, &json!({"email": "M@example.org"})).await;
    assert_eq!(
        (status, &updated["email"]),
        (StatusCode::OK, &json!("M@example.org")),
        "case-only applies"
    );
}

#[tokio::test]
async fn an_empty_member_update_changes_nothing_and_records_nothing() {
    let (polar, team, member) =
        team_with_member(json!({"email": "m@example.org", "name": "Max"})).await;
    let before = polar.events().len();
    for body in [
        json!({}),
        json!({"name": null, "email": null, "role": null}),
        json!({"name": ""}),
    ] {
        let (status, unchanged) = patch(&polar, &member_path(&team, &member), &body).await;
        assert_eq!((status, &unchanged), (StatusCode::OK, &member), "{body}");
    }
    assert_eq!(polar.events().len(), before);
}

#[tokio::test]
async fn members_by_external_ids_and_their_not_found_answers() {
    let (polar, team, member) =
        team_with_member(json!({"email": "m@example.org", "external_id": "mem_1"})).await;
    let path = format!("{}/members/mem_1", by_external_id("team_1"));
    let (status, found) = get(&polar, &path).await;
    assert_eq!((status, &found), (StatusCode::OK, &member));
    let (_, renamed) = patch(&polar, &path, &json!({"name": "Max"})).await;
    assert_eq!(renamed["name"], "Max");
    for missing in [
        format!("{}/members/mem_2", by_external_id("team_1")),
        format!("{}/members/mem_1", by_external_id("nobody")),
        format!("{}/{UNKNOWN_ID}", members_of(&team)),
    ] {
        let (status, body) = get(&polar, &missing).await;
        assert_resource_not_found(status, &body, "Member not found");
    }
    let (status, body) = post(
        &polar,
        &format!("{}/members", by_external_id("nobody")),
        &json!({"email": "x@example.org"}),
    )
    .await;
    assert_resource_not_found(status, &body, "Customer not found");
    let (status, body) = get(&polar, &format!("{}/members/not-a-uuid", by_id(&team))).await;
    assert_schema_errors(
        status,
        &body,
        &[("uuid_parsing", json!(["path", "member_id"]))],
    );
    let (status, _) = delete(&polar, &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

// ---- customer sessions ----

/// Asserts the shape of a 201 session for `customer`, with this token prefix and portal email.
fn assert_session(session: &Value, customer: &Value, prefix: &str, email: &str) {
    let token = session["token"].as_str().unwrap();
    assert!(token.starts_with(prefix), "{token}");
    assert_eq!(session["customer_id"], customer["id"]);
    assert_eq!(session["customer"], *customer);
    let created =
        chrono::DateTime::parse_from_rfc3339(session["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(session["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::hours(1));
    let url = session["customer_portal_url"].as_str().unwrap();
    let query = format!(
        "/portal?customer_session_token={token}&email={}",
        email.replace('@', "%40")
    );
    assert!(url.ends_with(&query), "{url}");
}

#[tokio::test]
async fn a_session_by_customer_id_or_external_id_is_a_portal_link() {
    let (polar, customer) =
        mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    let by_id_body = json!({"customer_id": id(&customer), "return_url": "https://app.example.org"});
    let (status, session) = post(&polar, SESSIONS, &by_id_body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_session(&session, &customer, "polar_cst_", "a@example.org");
    assert_eq!(session["return_url"], "https://app.example.org/");
    for key in ["external_customer_id", "customer_external_id"] {
        let (status, session) = post(&polar, SESSIONS, &json!({key: "usr_1"})).await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
        assert_session(&session, &customer, "polar_cst_", "a@example.org");
        assert_eq!(session["return_url"], Value::Null);
    }
    let (status, body) = post(
        &polar,
        SESSIONS,
        &json!({"customer_id": id(&customer), "return_url": "ftp://x"}),
    )
    .await;
    assert_schema_errors(
        status,
        &body,
        &[(
            "url_scheme",
            json!(["body", "CustomerSessionCustomerIDCreate", "return_url"]),
        )],
    );
}

#[tokio::test]
async fn a_session_with_both_ids_resolves_like_pydantics_smart_union() {
    let (polar, alice) =
        mock_with(json!({"email": "alice@example.org", "external_id": "alice"})).await;
    let bob = create(&polar, json!({"email": "bob@example.org"})).await;
    let (status, session) = post(
        &polar,
        SESSIONS,
        &json!({"customer_id": "malformed", "external_customer_id": "alice"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the external id wins, the id is ignored"
    );
    assert_eq!(session["customer_id"], alice["id"]);
    let body = json!({"customer_id": id(&bob), "external_customer_id": "alice", "return_url": "https://x.example"});
    let (status, session) = post(&polar, SESSIONS, &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        session["customer_id"], bob["id"],
        "with return_url the id wins"
    );
}

#[tokio::test]
async fn a_session_needs_a_live_customer() {
    let polar = MockPolar::start().await.unwrap();
    let (status, body) = post(
        &polar,
        SESSIONS,
        &json!({"return_url": "https://x.example"}),
    )
    .await;
    assert_schema_errors(
        status,
        &body,
        &[
            (
                "missing",
                json!(["body", "CustomerSessionCustomerIDCreate", "customer_id"]),
            ),
            (
                "missing",
                json!([
                    "body",
                    "CustomerSessionCustomerExternalIDCreate",
                    "external_customer_id"
                ]),
            ),
        ],
    );
    let (status, body) = post(&polar, SESSIONS, &json!({"customer_id": UNKNOWN_ID})).await;
    assert_rule_error(status, &body, "customer_id", "Customer does not exist.");
    let customer = create(
        &polar,
        json!({"email": "a@example.org", "external_id": "usr_1"}),
    )
    .await;
    delete(&polar, &by_id(&customer)).await;
    let (status, body) = post(&polar, SESSIONS, &json!({"external_customer_id": "usr_1"})).await;
    assert_rule_error(
        status,
        &body,
        "external_customer_id",
        "Customer does not exist.",
    );
}

#[tokio::test]
async fn in_member_mode_sessions_are_member_sessions() {
    let polar = with_members().await;
    let individual = create_individual(&polar, "jane@example.org").await;
    let (status, session) = post(&polar, SESSIONS, &json!({"customer_id": id(&individual)})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_session(&session, &individual, "polar_mst_", "jane@example.org");

    let team = create_team(&polar).await;
    let (status, body) = post(&polar, SESSIONS, &json!({"customer_id": id(&team)})).await;
    assert_rule_error(
        status,
        &body,
        "member_id",
        "member_id is required for team customers.",
    );
    let (status, body) = post(
        &polar,
        SESSIONS,
        &json!({"customer_id": id(&team), "member_id": UNKNOWN_ID}),
    )
    .await;
    assert_rule_error(
        status,
        &body,
        "member_id",
        "Member does not exist for this customer.",
    );
    let member = add_member(
        &polar,
        &team,
        json!({"email": "m@example.org", "external_id": "mem_1"}),
    )
    .await;
    for body in [
        json!({"customer_id": id(&team), "member_id": id(&member)}),
        json!({"external_customer_id": "team_1", "external_member_id": "mem_1"}),
    ] {
        let (status, session) = post(&polar, SESSIONS, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_session(&session, &team, "polar_mst_", "m@example.org");
    }
}

// ---- faults ----

#[tokio::test]
async fn a_create_delayed_past_the_clients_timeout_is_still_stored() {
    let polar = MockPolar::start().await.unwrap();
    let mut events = polar.subscribe_events();
    polar.fail_next(1, Fault::Delay(Duration::from_millis(300)));
    let impatient = client_builder()
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(format!("{}{CUSTOMERS}", polar.base_url()))
        .bearer_auth(polar.organization_token())
        .json(&json!({"email": "late@example.org"}))
        .send()
        .await
        .unwrap_err();
    assert!(gave_up.is_timeout(), "{gave_up}");
    let created = tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("the mock finishes the create")
        .unwrap();
    assert_eq!(created.event_type, "customer.created");
    assert_eq!(polar.customers().len(), 1);
    assert_eq!(polar.customers()[0]["email"], "late@example.org");
}

#[tokio::test]
async fn faults_can_target_a_method_and_path_prefix_and_be_cleared() {
    let (polar, customer) =
        mock_with(json!({"email": "a@example.org", "external_id": "usr_1"})).await;
    polar.fail_next_matching(Method::PATCH, CUSTOMERS, 1, Fault::DropAfterStore);
    polar.fail_next(1, Fault::ServerError { status: 503 });
    // The GET skips the PATCH fault and takes the catch-all one.
    let (status, _) = get(&polar, &by_id(&customer)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = get(&polar, &by_id(&customer)).await;
    assert_eq!(status, StatusCode::OK);
    let lost = client()
        .patch(format!("{}{}", polar.base_url(), by_external_id("usr_1")))
        .bearer_auth(polar.organization_token())
        .json(&json!({"name": "Stored anyway"}))
        .send()
        .await;
    assert!(lost.is_err(), "the answer was lost");
    assert_eq!(polar.customers()[0]["name"], "Stored anyway");

    polar.fail_next_matching(
        Method::GET,
        "/v1/customers/external/",
        2,
        Fault::TruncatedBody,
    );
    polar.fail_next(5, Fault::DropBeforeStore);
    polar.clear_faults();
    let (status, state) = get(&polar, &format!("{}/state", by_external_id("usr_1"))).await;
    assert_eq!(
        (status, &state["name"]),
        (StatusCode::OK, &json!("Stored anyway"))
    );
}

#[tokio::test]
async fn an_external_id_shared_across_a_personal_tokens_organizations_is_ambiguous() {
    let polar = MockPolar::builder()
        .member_model(true)
        .personal_token("polar_pat_me", [OTHER_ORGANIZATION, UNKNOWN_ID])
        .organization_id(UNKNOWN_ID)
        .start()
        .await
        .unwrap();
    create(
        &polar,
        json!({"email": "a@example.org", "external_id": "shared"}),
    )
    .await;
    let body = json!({"email": "b@example.org", "organization_id": OTHER_ORGANIZATION, "external_id": "shared"});
    let (status, _) = call_as(&polar, "polar_pat_me", Method::POST, CUSTOMERS, Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let as_me = |method: Method, path: String, body: Option<Value>| {
        let polar = &polar;
        async move { call_as(polar, "polar_pat_me", method, &path, body.as_ref()).await }
    };
    let (status, _) = as_me(Method::GET, by_external_id("shared"), None).await;
    assert_eq!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "unhandled on Polar"
    );
    let members = format!("{}/members", by_external_id("shared"));
    let (status, body) = as_me(
        Method::POST,
        members,
        Some(json!({"email": "m@example.org"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "AmbiguousExternalCustomerID");
    let (status, _) = get(&polar, &by_external_id("shared")).await;
    assert_eq!(status, StatusCode::OK, "the organization token sees one");
}
