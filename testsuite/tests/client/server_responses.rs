//! Every response shape Polar's server sends (per its source, `polarsource/polar`), sent byte for byte, and the error it becomes.

use std::time::Duration;

use polar_client::{Error, NewCustomer, Polar, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INVALID_TOKEN: &str = r#"{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons."}"#;

/// Answers the create with `response` and returns what the client made of it.
async fn create_against(response: ResponseTemplate) -> Result<polar_client::Customer, Error> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers/"))
        .respond_with(response)
        .mount(&server)
        .await;
    let polar = Polar::builder()
        .access_token("polar_oat_test")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_1"))
        .await
}

fn json_reply(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("polar-version", "2026-04")
        .insert_header("x-request-id", "req_123")
        .set_body_raw(body.as_bytes().to_vec(), "application/json")
}

#[tokio::test]
async fn created() {
    let body = json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b", "created_at": "2026-11-25T10:00:00.123456Z",
        "modified_at": null, "metadata": {}, "external_id": "usr_1", "email": "jane@example.org",
        "email_verified": false, "type": "individual", "name": null, "billing_name": null,
        "billing_address": null, "tax_id": null, "locale": null,
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737", "default_payment_method_id": null,
        "deleted_at": null, "first_user_event_at": null, "avatar_url": null
    });
    let customer = create_against(
        json_reply(201, &body.to_string()).insert_header("cache-control", "private, no-store"),
    )
    .await
    .unwrap();
    assert_eq!(customer.id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_eq!(customer.external_id(), Some("usr_1"));
}

#[tokio::test]
async fn schema_error_keeps_field_paths_without_the_union_tag() {
    let body = r#"{"error":"RequestValidationError","detail":[{"type":"value_error","loc":["body","individual","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"jane","ctx":{"reason":"An email address must have an @-sign."}}]}"#;
    let err = create_against(json_reply(422, body)).await.unwrap_err();
    let Error::Validation { errors, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].field(), "email");
    assert_eq!(err.status(), Some(422));
    assert!(err.to_string().contains("email"), "{err}");
    assert!(!err.is_duplicate_email());
    assert_eq!(err.request_id(), Some("req_123"));
}

#[tokio::test]
async fn business_rule_error() {
    let body = r#"{"error":"PolarRequestValidationError","detail":[{"type":"organization_token","loc":["body","organization_id"],"msg":"Setting organization_id is disallowed when using an organization token.","input":"1dbfc517-0bbf-4301-9ba8-555ca42b9737"}]}"#;
    let err = create_against(json_reply(422, body)).await.unwrap_err();
    let Error::Validation { errors, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].field(), "organization_id");
    assert!(err.to_string().contains("organization token"), "{err}");
}

#[tokio::test]
async fn duplicate_email_and_external_id_together() {
    let body = r#"{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","email"],"msg":"A customer with this email address already exists.","input":"jane@example.org"},{"type":"value_error","loc":["body","external_id"],"msg":"A customer with this external ID already exists.","input":"usr_1"}]}"#;
    let err = create_against(json_reply(422, body)).await.unwrap_err();
    assert!(err.is_duplicate_email());
    assert!(err.is_duplicate_external_id());
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[tokio::test]
async fn missing_token() {
    let reply = json_reply(401, r#"{"error":"Unauthorized","detail":"Unauthorized"}"#)
        .insert_header("www-authenticate", r#"Bearer realm="polar""#);
    let err = create_against(reply).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn invalid_token_mentions_sandbox_and_production() {
    let reply = json_reply(401, INVALID_TOKEN).insert_header(
        "www-authenticate",
        r#"Bearer realm="polar", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons.""#,
    );
    let err = create_against(reply).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("sandbox") && text.contains("production"),
        "{text}"
    );
}

#[tokio::test]
async fn insufficient_scope_and_not_permitted() {
    let scope = json_reply(403, r#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}"#)
        .insert_header("www-authenticate", r#"Bearer realm="polar", error="insufficient_scope", scope="customers:write""#);
    let err = create_against(scope).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(err.to_string().contains("customers:write"), "{err}");

    let member = json_reply(
        403,
        r#"{"error":"NotPermitted","detail":"You don't have permission to manage customers"}"#,
    );
    let err = create_against(member).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(err.to_string().contains("permission"), "{err}");
}

#[tokio::test]
async fn unsupported_version_is_a_404_without_the_echo() {
    let reply =
        ResponseTemplate::new(404).set_body_raw(r#"{"detail":"Not Found"}"#, "application/json");
    let err = create_against(reply).await.unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedApiVersion { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("2026-04"), "{err}");
}

#[tokio::test]
async fn rate_limited_with_an_empty_body() {
    let err = create_against(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("retry in 1 min"), "{err}");
}

#[tokio::test]
async fn length_required_and_too_large() {
    for (status, name) in [(411, "LengthRequired"), (413, "RequestBodyTooLarge")] {
        let body = format!(r#"{{"error":"{name}","detail":"rejected"}}"#);
        let err = create_against(json_reply(status, &body)).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(!matches!(err, Error::Server { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn server_errors_in_text_json_and_html() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "<p>nginx</p>".repeat(200)
    );
    let replies = [
        (
            500,
            ResponseTemplate::new(500).set_body_string("Internal Server Error"),
        ),
        (
            503,
            json_reply(
                503,
                r#"{"error":"ServiceUnavailable","detail":"try later"}"#,
            ),
        ),
        (
            502,
            ResponseTemplate::new(502).set_body_raw(html.into_bytes(), "text/html"),
        ),
        (504, ResponseTemplate::new(504)),
    ];
    for (status, reply) in replies {
        let err = create_against(reply).await.unwrap_err();
        assert!(matches!(err, Error::Server { .. }), "{err:?}");
        assert_eq!(err.status(), Some(status));
        let text = err.to_string();
        assert!(text.len() < 600, "an HTML page is shortened: {text}");
    }
}

#[tokio::test]
async fn an_undecodable_created_body_says_the_customer_may_exist() {
    let err = create_against(json_reply(201, r#"{"id": 42}"#))
        .await
        .unwrap_err();
    let Error::InvalidResponse { .. } = &err else {
        panic!("{err:?}")
    };
    assert!(err.may_have_been_processed(), "{err}");
    assert!(err.to_string().contains("probably carried out"), "{err}");
}

#[tokio::test]
async fn rate_limited_with_an_http_date() {
    let later = std::time::SystemTime::now() + Duration::from_secs(120);
    let reply =
        ResponseTemplate::new(429).insert_header("retry-after", httpdate::fmt_http_date(later));
    let err = create_against(reply).await.unwrap_err();
    let wait = err.retry_after().expect("the date was read");
    assert!(
        (Duration::from_secs(115)..=Duration::from_secs(120)).contains(&wait),
        "{wait:?}"
    );
}
