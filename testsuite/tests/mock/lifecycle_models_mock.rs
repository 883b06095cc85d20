//! The lifecycle's models over real HTTP on 127.0.0.1 against the mock Polar, with plain reqwest
//! (the operations that use them are wired separately): what the mock answers decodes into our
//! response types, and the bodies our request builders write are accepted and do what they say.

use polar_client::{
    BenefitType, Customer, CustomerSession, CustomerState, CustomerUpdate, Member, MemberRole,
    MemberUpdate, MetadataValue, NewCustomer, NewCustomerSession, NewMember, NewMemberRole, Owner,
    RecurringInterval, SubscriptionStatus,
};
use polar_client_mock::{MockBenefitGrant, MockPolar, MockSubscription, Uuid};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// Sends `method path` with the organization token and an optional JSON body; returns the status
/// and the raw answer.
async fn send(
    polar: &MockPolar,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", polar.base_url()))
        .bearer_auth(polar.organization_token());
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

/// The JSON body a request builder writes.
fn body<T: Serialize>(request: &T) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(request).unwrap())
}

/// Sends a request and decodes the answer into `T`, asserting the status.
async fn call<T: DeserializeOwned>(
    polar: &MockPolar,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    expected: StatusCode,
) -> T {
    let (status, bytes) = send(polar, method, path, body).await;
    assert_eq!(status, expected, "{}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap()
}

/// Creates a customer with the crate's own `NewCustomer`.
async fn create(polar: &MockPolar, customer: &NewCustomer) -> Customer {
    call(
        polar,
        Method::POST,
        "/v1/customers/",
        body(customer),
        StatusCode::CREATED,
    )
    .await
}

fn uuid(customer: &Customer) -> Uuid {
    customer.id().parse().unwrap()
}

#[tokio::test]
async fn the_state_polar_answers_decodes_with_unknown_values_and_extra_fields() {
    let polar = MockPolar::start().await.unwrap();
    let customer = create(
        &polar,
        &NewCustomer::individual("state@example.org").external_id("usr_state"),
    )
    .await;
    let id = uuid(&customer);
    polar
        .add_subscription(
            id,
            MockSubscription::new()
                .status("trialing")
                .recurring_interval("fortnight")
                .field("seats", 3),
        )
        .unwrap();
    let grant = polar
        .grant_benefit(
            id,
            MockBenefitGrant::new()
                .benefit_type("brand_new_kind")
                .field("extra", json!([1, 2])),
        )
        .unwrap();
    polar
        .grant_benefit(
            id,
            MockBenefitGrant::new()
                .benefit_type("meter_credit")
                .properties(json!({})),
        )
        .unwrap();
    polar
        .add_meter(
            id,
            json!({ "consumed_units": 12.5, "credited_units": 100, "balance": 87.5 }),
        )
        .unwrap();

    for path in [
        format!("/v1/customers/{id}/state"),
        "/v1/customers/external/usr_state/state".to_string(),
    ] {
        let state: CustomerState = call(&polar, Method::GET, &path, None, StatusCode::OK).await;
        assert_eq!(state.customer(), &customer, "{path}");
        let [subscription] = state.active_subscriptions() else {
            panic!("one subscription expected")
        };
        assert_eq!(subscription.status(), &SubscriptionStatus::Trialing);
        assert_eq!(
            subscription.recurring_interval(),
            &RecurringInterval::Other("fortnight".into())
        );
        assert!(
            subscription.price_id().is_some(),
            "the unlisted price_id is read"
        );
        let types: Vec<&BenefitType> = state
            .granted_benefits()
            .iter()
            .map(|g| g.benefit_type())
            .collect();
        assert_eq!(
            types,
            [
                &BenefitType::Other("brand_new_kind".into()),
                &BenefitType::MeterCredit
            ]
        );
        assert!(state.has_benefit(grant["benefit_id"].as_str().unwrap()));
        assert_eq!(state.granted_benefits()[1].properties(), &json!({}));
        assert_eq!(state.active_meters()[0].balance(), 87.5);
    }
}

#[tokio::test]
async fn a_customer_update_clears_sets_and_replaces_as_written() {
    let polar = MockPolar::start().await.unwrap();
    let customer = create(
        &polar,
        &NewCustomer::individual("jane@example.org")
            .name("Jane")
            .locale("en")
            .metadata("plan", "pro")
            .metadata("seats", 3),
    )
    .await;
    let update = CustomerUpdate::new()
        .clear_name()
        .locale("de-DE")
        .replace_metadata([("tier", "gold")]);
    update.validate().unwrap();
    let path = format!("/v1/customers/{}", customer.id());
    let updated: Customer = call(&polar, Method::PATCH, &path, body(&update), StatusCode::OK).await;
    assert_eq!(updated.name(), None, "cleared by null");
    assert_eq!(updated.locale(), Some("de-DE"));
    assert_eq!(
        updated.metadata().iter().collect::<Vec<_>>(),
        [(&"tier".to_string(), &MetadataValue::from("gold"))],
        "the whole map replaced"
    );
    assert_eq!(updated.email(), Some("jane@example.org"), "left alone");

    // Upgrading to a team by Polar ID; an empty update changes nothing.
    let team: Customer = call(
        &polar,
        Method::PATCH,
        &path,
        body(&CustomerUpdate::new().upgrade_to_team()),
        StatusCode::OK,
    )
    .await;
    assert!(team.is_team());
    let same: Customer = call(
        &polar,
        Method::PATCH,
        &path,
        body(&CustomerUpdate::new()),
        StatusCode::OK,
    )
    .await;
    assert_eq!(same.name(), None);
    assert!(same.is_team());
}

#[tokio::test]
async fn members_added_and_updated_with_the_builders_decode() {
    let polar = MockPolar::builder()
        .member_model(true)
        .start()
        .await
        .unwrap();
    let team = create(
        &polar,
        &NewCustomer::team()
            .email("team@acme.test")
            .owner(Owner::new("owner@acme.test")),
    )
    .await;
    let members = format!("/v1/customers/{}/members", team.id());
    let new = NewMember::new("billing@acme.test")
        .name("Billing")
        .external_id("usr_b")
        .role(NewMemberRole::BillingManager);
    new.validate().unwrap();
    let member: Member = call(
        &polar,
        Method::POST,
        &members,
        body(&new),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(member.email(), "billing@acme.test");
    assert_eq!(member.role(), &MemberRole::BillingManager);
    assert_eq!(member.customer_id(), team.id());
    assert_eq!(member.external_id(), Some("usr_b"));

    // Adding the same email again returns the same member.
    let again: Member = call(
        &polar,
        Method::POST,
        &members,
        body(&NewMember::new("BILLING@acme.test")),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again.id(), member.id());

    let promoted: Member = call(
        &polar,
        Method::PATCH,
        &format!("{members}/{}", member.id()),
        body(
            &MemberUpdate::new()
                .name("Head of billing")
                .transfer_ownership(),
        ),
        StatusCode::OK,
    )
    .await;
    assert!(promoted.is_owner());
    assert_eq!(promoted.name(), Some("Head of billing"));
}

#[tokio::test]
async fn a_session_created_with_the_builder_decodes_and_hides_its_token() {
    let polar = MockPolar::start().await.unwrap();
    let customer = create(
        &polar,
        &NewCustomer::individual("portal@example.org").external_id("usr_portal"),
    )
    .await;
    for request in [
        NewCustomerSession::for_external_id("usr_portal").return_url("https://example.com/account"),
        NewCustomerSession::for_customer(customer.id()).return_url("https://example.com/account"),
    ] {
        request.validate().unwrap();
        let session: CustomerSession = call(
            &polar,
            Method::POST,
            "/v1/customer-sessions/",
            body(&request),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(session.customer_id(), customer.id());
        assert_eq!(session.customer(), &customer);
        assert!(
            session
                .return_url()
                .is_some_and(|u| u.starts_with("https://example.com/account"))
        );
        assert!(session.expires_at() > session.created_at());
        assert!(!session.token().is_empty());
        assert!(session.customer_portal_url().contains(session.token()));
        let debug = format!("{session:?}");
        assert!(!debug.contains(session.token()), "{debug}");
    }
}
