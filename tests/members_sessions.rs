//! Members and customer portal sessions through the public API, against the crate's mock Polar
//! over loopback: Polar's member rules (the member model switch, one member for individuals,
//! create idempotent by email, ownership transfer, the only-owner rules), lost answers, and
//! portal sessions by customer id and external id, in customer and member mode.

mod support;

use chrono::Duration as ChronoDuration;
use polar_client::mock::MockPolar;
use polar_client::{Customer, Error, NewCustomer, NewCustomerSession, Polar};

use support::{SECRET, client};

/// A version-4 UUID no customer of the mock has.
const UNKNOWN_CUSTOMER: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

/// A mock with the test token, with or without the organization's member model.
async fn mock(member_model: bool) -> MockPolar {
    MockPolar::builder()
        .organization_token(SECRET)
        .member_model(member_model)
        .start()
        .await
        .unwrap()
}

/// Creates a customer through the client.
async fn customer(polar: &Polar, new: NewCustomer) -> Customer {
    polar.customers().create(new).await.unwrap()
}

/// How many requests the mock received with this method and a path starting with `prefix`.
fn sent(mock: &MockPolar, method: &str, prefix: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

/// The single field error of a `422`, as (field, message).
fn only_field_error(err: &Error) -> (String, String) {
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let errors = err.field_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    (errors[0].field().to_owned(), errors[0].message().to_owned())
}

// ---- customer portal sessions ----

#[tokio::test]
async fn session_by_customer_id_is_a_one_hour_portal_link_with_a_hidden_token() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let jane = customer(&polar, NewCustomer::individual("jane@example.org")).await;

    let session = polar
        .customer_sessions()
        .create(
            NewCustomerSession::for_customer(jane.id()).return_url("https://example.com/account"),
        )
        .await
        .unwrap();

    assert_eq!(session.customer_id(), jane.id());
    assert_eq!(session.customer().email(), Some("jane@example.org"));
    assert!(
        session.token().starts_with("polar_cst_"),
        "{}",
        session.token()
    );
    let portal = session.customer_portal_url();
    assert!(portal.starts_with(&mock.base_url()), "{portal}");
    assert!(portal.contains(session.token()), "{portal}");
    assert!(
        session
            .return_url()
            .unwrap()
            .starts_with("https://example.com/account")
    );
    let lifetime = session.expires_at() - session.created_at();
    assert!(
        (ChronoDuration::minutes(59)..=ChronoDuration::minutes(61)).contains(&lifetime),
        "{lifetime}"
    );
    let debug = format!("{session:?}");
    assert!(!debug.contains(session.token()), "{debug}");
    assert!(!debug.contains(SECRET));
    assert_eq!(sent(&mock, "POST", "/v1/customer-sessions/"), 1);
}

#[tokio::test]
async fn session_by_external_id() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let jane = customer(
        &polar,
        NewCustomer::individual("jane@example.org").external_id("usr_1337"),
    )
    .await;

    let session = polar
        .customer_sessions()
        .create(NewCustomerSession::for_external_id("usr_1337"))
        .await
        .unwrap();

    assert_eq!(session.customer_id(), jane.id());
    assert_eq!(session.return_url(), None);
    let body: serde_json::Value =
        serde_json::from_slice(&mock.requests().last().unwrap().body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "external_customer_id": "usr_1337" })
    );
}

#[tokio::test]
async fn session_for_an_unknown_customer_is_a_validation_error_not_a_not_found() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let sessions = polar.customer_sessions();

    let err = sessions
        .create(NewCustomerSession::for_customer(UNKNOWN_CUSTOMER))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(
        only_field_error(&err),
        (
            "customer_id".to_owned(),
            "Customer does not exist.".to_owned()
        )
    );

    let err = sessions
        .create(NewCustomerSession::for_external_id("nobody"))
        .await
        .unwrap_err();
    assert_eq!(
        only_field_error(&err),
        (
            "external_customer_id".to_owned(),
            "Customer does not exist.".to_owned()
        )
    );
    assert!(!err.is_retryable());
    assert_eq!(
        sent(&mock, "POST", "/v1/customer-sessions/"),
        2,
        "no retries"
    );
}

#[tokio::test]
async fn session_in_member_mode_is_a_member_session() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let jane = customer(&polar, NewCustomer::individual("jane@example.org")).await;

    let session = polar
        .customer_sessions()
        .create(NewCustomerSession::for_customer(jane.id()))
        .await
        .unwrap();

    assert!(
        session.token().starts_with("polar_mst_"),
        "{}",
        session.token()
    );
    assert!(
        session
            .customer_portal_url()
            .contains("customer_session_token=")
    );
    assert!(!format!("{session:?}").contains(session.token()));

    // A team names its member; without one Polar refuses.
    let team = customer(&polar, NewCustomer::team().email("team@example.org")).await;
    let err = polar
        .customer_sessions()
        .create(NewCustomerSession::for_customer(team.id()))
        .await
        .unwrap_err();
    assert_eq!(only_field_error(&err).0, "member_id");
}

#[tokio::test]
async fn invalid_session_input_is_refused_before_sending() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let err = polar
        .customer_sessions()
        .create(
            NewCustomerSession::for_customer("usr_1337")
                .member_id("nope")
                .return_url("/account"),
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field()).collect();
    assert_eq!(fields, ["customer_id", "member_id", "return_url"]);
    assert!(mock.requests().is_empty());
}
