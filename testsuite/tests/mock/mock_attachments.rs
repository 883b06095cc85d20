//! The mock's typed attachment builders (`MockSubscription`, `MockBenefitGrant`): their documented
//! defaults, setters and extra fields, as a client reads them back over HTTP from the customer's
//! state, and the one `customer.state_changed` each attachment records.

use polar_client_mock::{MockBenefitGrant, MockPolar, MockSubscription, Uuid};
use serde_json::{Value, json};

async fn create(polar: &MockPolar, email: &str) -> Uuid {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/customers/", polar.base_url()))
        .bearer_auth(polar.organization_token())
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn state(polar: &MockPolar, id: Uuid) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/customers/{id}/state", polar.base_url()))
        .bearer_auth(polar.organization_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_default_subscription_and_grant_have_the_documented_fields() {
    let polar = MockPolar::start().await.unwrap();
    let id = create(&polar, "defaults@example.org").await;
    let before = polar.events().len();
    let subscription = polar.add_subscription(id, MockSubscription::new()).unwrap();
    let grant = polar.grant_benefit(id, MockBenefitGrant::new()).unwrap();

    let kinds: Vec<String> = polar.events()[before..]
        .iter()
        .map(|event| event.event_type.clone())
        .collect();
    assert_eq!(kinds, ["customer.state_changed", "customer.state_changed"]);

    let state = state(&polar, id).await;
    assert_eq!(state["active_subscriptions"], json!([subscription.clone()]));
    assert_eq!(state["granted_benefits"], json!([grant.clone()]));
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["amount"], 1000);
    assert_eq!(subscription["currency"], "usd");
    assert_eq!(subscription["recurring_interval"], "month");
    assert_eq!(subscription["cancel_at_period_end"], false);
    assert_eq!(subscription["meters"], json!([]));
    for field in ["id", "product_id", "price_id"] {
        let text = subscription[field].as_str().unwrap();
        assert!(Uuid::parse_str(text).is_ok(), "{field}: {text}");
    }
    for field in [
        "trial_start",
        "trial_end",
        "canceled_at",
        "ends_at",
        "discount_id",
    ] {
        assert_eq!(subscription[field], Value::Null, "{field}");
    }
    assert_eq!(grant["benefit_type"], "custom");
    assert_eq!(grant["benefit_metadata"], json!({}));
    assert_eq!(grant["properties"], json!({}));
    assert!(Uuid::parse_str(grant["benefit_id"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn the_setters_and_extra_fields_reach_the_state_as_given() {
    let polar = MockPolar::start().await.unwrap();
    let id = create(&polar, "typed@example.org").await;
    let product = Uuid::from_u128(0x0b7e_52d2_3a4c_4d5e_8f60_7182_93a4_b5c6);
    let price = Uuid::from_u128(0x1b7e_52d2_3a4c_4d5e_8f60_7182_93a4_b5c6);
    let benefit = Uuid::from_u128(0x2b7e_52d2_3a4c_4d5e_8f60_7182_93a4_b5c6);
    polar
        .add_subscription(
            id,
            MockSubscription::new()
                .product_id(product)
                .price_id(price)
                .status("trialing")
                .amount(2500, "eur")
                .recurring_interval("fortnight")
                .field("seats", 3),
        )
        .unwrap();
    // Not listed in the state (only active and trialing are), but stored.
    polar
        .add_subscription(id, MockSubscription::new().status("past_due"))
        .unwrap();
    polar
        .grant_benefit(
            id,
            MockBenefitGrant::new()
                .benefit_id(benefit)
                .benefit_type("brand_new_kind")
                .benefit_metadata(json!({"tier": "gold"}))
                .properties(json!({"license_key_id": "lk_1"}))
                .field("extra", json!([1, 2])),
        )
        .unwrap();

    let state = state(&polar, id).await;
    let subscriptions = state["active_subscriptions"].as_array().unwrap();
    assert_eq!(subscriptions.len(), 1);
    let subscription = &subscriptions[0];
    assert_eq!(subscription["product_id"], product.to_string());
    assert_eq!(subscription["price_id"], price.to_string());
    assert_eq!(subscription["status"], "trialing");
    assert_eq!(subscription["amount"], 2500);
    assert_eq!(subscription["currency"], "eur");
    assert_eq!(subscription["recurring_interval"], "fortnight");
    assert_eq!(subscription["seats"], 3);
    let grant = &state["granted_benefits"][0];
    assert_eq!(grant["benefit_id"], benefit.to_string());
    assert_eq!(grant["benefit_type"], "brand_new_kind");
    assert_eq!(grant["benefit_metadata"], json!({"tier": "gold"}));
    assert_eq!(grant["properties"], json!({"license_key_id": "lk_1"}));
    assert_eq!(grant["extra"], json!([1, 2]));

    // An unknown customer gets nothing.
    assert!(
        polar
            .add_subscription(Uuid::from_u128(7), MockSubscription::new())
            .is_none()
    );
    assert!(
        polar
            .grant_benefit(Uuid::from_u128(7), MockBenefitGrant::new())
            .is_none()
    );
}
