//! Decoding the lifecycle's responses (customer state and its items, members, portal sessions) from
//! what Polar sends, including what it may add later (enum values, fields) or leave out.

use chrono::{TimeZone, Utc};
use polar_client::{
    ActiveMeter, ActiveSubscription, BenefitType, CustomerKind, CustomerSession, CustomerState,
    GrantedBenefit, Member, MemberRole, MetadataValue, RecurringInterval, SubscriptionMeter,
    SubscriptionStatus,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::fixtures;

use fixtures::lifecycle;

fn decode<T: DeserializeOwned>(body: &Value) -> T {
    serde_json::from_slice(&serde_json::to_vec(body).unwrap()).unwrap()
}

fn at(text: &str) -> chrono::DateTime<Utc> {
    text.parse().unwrap()
}

#[test]
fn a_full_individual_state_exposes_the_customer_and_every_item() {
    let state: CustomerState = decode(&lifecycle::individual_state());
    assert_eq!(
        state.customer(),
        &decode::<polar_client::Customer>(&fixtures::individual_201())
    );
    assert_eq!(state.customer().email(), Some("customer@example.com"));

    let [subscription] = state.active_subscriptions() else {
        panic!("one subscription expected")
    };
    assert_eq!(subscription.id(), "e5149aae-e521-42b9-b24c-abb3d71eea2e");
    assert_eq!(subscription.status(), &SubscriptionStatus::Active);
    assert_eq!(subscription.amount(), 1000);
    assert_eq!(subscription.currency(), "usd");
    assert_eq!(subscription.recurring_interval(), &RecurringInterval::Month);
    assert_eq!(
        subscription.current_period_start(),
        Utc.with_ymd_and_hms(2025, 2, 3, 13, 37, 0).unwrap()
    );
    assert_eq!(
        subscription.current_period_end(),
        Some(at("2025-03-03T13:37:00Z"))
    );
    assert_eq!(subscription.started_at(), Some(at("2025-01-03T13:37:00Z")));
    assert_eq!(subscription.modified_at(), Some(at("2025-02-03T13:37:00Z")));
    assert_eq!(subscription.trial_start(), None);
    assert_eq!(subscription.trial_end(), None);
    assert_eq!(subscription.canceled_at(), None);
    assert_eq!(subscription.ends_at(), None);
    assert!(!subscription.cancel_at_period_end());
    assert_eq!(
        subscription.product_id(),
        "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23"
    );
    assert_eq!(
        subscription.price_id(),
        Some("5f6c9b43-4a7e-4cdb-9d5a-6e9f4c8b7a21")
    );
    assert_eq!(subscription.discount_id(), None);
    assert_eq!(
        subscription.metadata()["source"],
        MetadataValue::from("checkout")
    );
    let custom = subscription.custom_field_data();
    assert_eq!(custom["company"], json!("Acme"));
    assert_eq!(custom["seats"], json!(3));
    assert_eq!(custom["agreed"], json!(true));
    assert_eq!(custom["since"], json!("2025-01-01T00:00:00Z"));
    assert_eq!(custom["note"], Value::Null);
    let [meter] = subscription.meters() else {
        panic!("one subscription meter expected")
    };
    assert_eq!(meter.id(), "8a7e1c55-0c5e-4bb0-9d3e-6d2f1f3a9b10");
    assert_eq!(meter.meter_id(), "d498a884-e2cd-4d3e-8002-f536468a8b22");
    assert_eq!(meter.consumed_units(), 25.0);
    assert_eq!(meter.credited_units(), 100);
    assert_eq!(meter.amount(), 0);
    assert_eq!(meter.created_at(), at("2025-02-03T13:37:00Z"));
    assert_eq!(meter.modified_at(), None);

    let [grant] = state.granted_benefits() else {
        panic!("one grant expected")
    };
    assert_eq!(grant.id(), "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9");
    assert_eq!(grant.benefit_id(), "397a17aa-15cf-4cb4-9333-18040203cf98");
    assert_eq!(grant.benefit_type(), &BenefitType::LicenseKeys);
    assert_eq!(grant.granted_at(), Some(at("2025-01-03T13:37:00Z")));
    assert_eq!(
        grant.benefit_metadata()["tier"],
        MetadataValue::from("gold")
    );
    assert_eq!(grant.properties()["display_key"], json!("****-1234"));
    assert!(state.has_benefit("397a17aa-15cf-4cb4-9333-18040203cf98"));
    assert!(!state.has_benefit("d322132c-a9d0-4e0d-b8d3-d81ad021a3a9"));
    assert!(state.is_subscribed_to("d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23"));
    assert!(!state.is_subscribed_to("e5149aae-e521-42b9-b24c-abb3d71eea2e"));

    let [meter] = state.active_meters() else {
        panic!("one meter expected")
    };
    assert_eq!(meter.id(), "0b7d2c1e-4f3a-4e6b-8c9d-1a2b3c4d5e6f");
    assert_eq!(meter.meter_id(), "d498a884-e2cd-4d3e-8002-f536468a8b22");
    assert_eq!(meter.consumed_units(), 25.0);
    assert_eq!(meter.credited_units(), 100);
    assert_eq!(meter.balance(), 75.0);
    assert_eq!(meter.modified_at(), Some(at("2025-02-03T13:37:00Z")));

    assert_eq!(
        state.clone().into_customer(),
        state.customer().clone(),
        "into_customer gives the same customer"
    );
}

#[test]
fn a_team_state_with_a_null_email_decodes() {
    let state: CustomerState = decode(&lifecycle::team_state());
    assert_eq!(state.customer().kind(), &CustomerKind::Team);
    assert_eq!(state.customer().email(), None);
    assert!(state.active_subscriptions().is_empty());
    assert!(state.granted_benefits().is_empty());
    assert!(state.active_meters().is_empty());
}

#[test]
fn unknown_enum_values_decode_as_other() {
    let mut body = lifecycle::individual_state();
    body["type"] = json!("company");
    body["active_subscriptions"][0]["status"] = json!("paused_for_review");
    body["active_subscriptions"][0]["recurring_interval"] = json!("fortnight");
    body["granted_benefits"][0]["benefit_type"] = json!("telegram_group");
    let state: CustomerState = decode(&body);
    assert_eq!(
        state.customer().kind(),
        &CustomerKind::Other("company".into())
    );
    let subscription = &state.active_subscriptions()[0];
    assert_eq!(
        subscription.status(),
        &SubscriptionStatus::Other("paused_for_review".into())
    );
    assert_eq!(
        subscription.recurring_interval(),
        &RecurringInterval::Other("fortnight".into())
    );
    assert_eq!(
        state.granted_benefits()[0].benefit_type(),
        &BenefitType::Other("telegram_group".into())
    );

    let mut member = lifecycle::member();
    member["role"] = json!("auditor");
    assert_eq!(
        decode::<Member>(&member).role(),
        &MemberRole::Other("auditor".into())
    );
}

#[test]
fn every_known_code_decodes_to_its_variant() {
    let benefit_types = [
        ("custom", BenefitType::Custom),
        ("discord", BenefitType::Discord),
        ("github_repository", BenefitType::GithubRepository),
        ("downloadables", BenefitType::Downloadables),
        ("license_keys", BenefitType::LicenseKeys),
        ("meter_credit", BenefitType::MeterCredit),
        ("feature_flag", BenefitType::FeatureFlag),
        ("slack_shared_channel", BenefitType::SlackSharedChannel),
    ];
    for (code, expected) in benefit_types {
        assert_eq!(decode::<BenefitType>(&json!(code)), expected);
        assert_eq!(expected.code(), code);
    }
    for (code, expected) in [
        ("day", RecurringInterval::Day),
        ("week", RecurringInterval::Week),
        ("month", RecurringInterval::Month),
        ("year", RecurringInterval::Year),
    ] {
        assert_eq!(decode::<RecurringInterval>(&json!(code)), expected);
    }
    for (code, expected) in [
        ("owner", MemberRole::Owner),
        ("billing_manager", MemberRole::BillingManager),
        ("member", MemberRole::Member),
    ] {
        assert_eq!(decode::<MemberRole>(&json!(code)), expected);
    }
    for (code, expected) in [
        ("active", SubscriptionStatus::Active),
        ("trialing", SubscriptionStatus::Trialing),
        ("past_due", SubscriptionStatus::PastDue),
        ("canceled", SubscriptionStatus::Canceled),
    ] {
        assert_eq!(decode::<SubscriptionStatus>(&json!(code)), expected);
    }
    // Codes are matched exactly, as Polar writes them.
    assert_eq!(
        decode::<MemberRole>(&json!("Owner")),
        MemberRole::Other("Owner".into())
    );
}

#[test]
fn a_meter_credit_grant_with_empty_properties_decodes() {
    let mut grant = lifecycle::grant();
    grant["benefit_type"] = json!("meter_credit");
    grant["properties"] = json!({});
    let grant: GrantedBenefit = decode(&grant);
    assert_eq!(grant.benefit_type(), &BenefitType::MeterCredit);
    assert_eq!(grant.properties(), &json!({}));
}

#[test]
fn extra_fields_everywhere_change_nothing() {
    let mut body = lifecycle::individual_state();
    body["loyalty_tier"] = json!({ "level": 3 });
    body["active_subscriptions"][0]["seats"] = json!(5);
    body["active_subscriptions"][0]["meters"][0]["unit"] = json!("tokens");
    body["granted_benefits"][0]["revoked_at"] = Value::Null;
    body["active_meters"][0]["unit"] = json!("tokens");
    let with_extras: CustomerState = decode(&body);
    assert_eq!(
        with_extras,
        decode::<CustomerState>(&lifecycle::individual_state())
    );

    let mut member = lifecycle::member();
    member["seat_id"] = json!("x");
    assert_eq!(
        decode::<Member>(&member),
        decode::<Member>(&lifecycle::member())
    );

    let mut session = lifecycle::session();
    session["member"] = json!({ "id": "m" });
    session["member_id"] = Value::Null;
    assert_eq!(
        decode::<CustomerSession>(&session),
        decode::<CustomerSession>(&lifecycle::session())
    );
}

#[test]
fn missing_or_null_optional_fields_are_tolerated() {
    let body = json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "created_at": "2026-04-01T10:00:00Z",
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
        "active_subscriptions": null
    });
    let state: CustomerState = decode(&body);
    assert!(state.active_subscriptions().is_empty());
    assert!(state.granted_benefits().is_empty());
    assert!(state.active_meters().is_empty());

    let subscription: ActiveSubscription = decode(&json!({
        "id": "e5149aae-e521-42b9-b24c-abb3d71eea2e",
        "created_at": "2025-01-03T13:37:00Z",
        "metadata": null,
        "custom_field_data": null,
        "status": "trialing",
        "amount": 0,
        "currency": "eur",
        "recurring_interval": "year",
        "current_period_start": "2025-02-03T13:37:00Z",
        "current_period_end": null,
        "cancel_at_period_end": null,
        "product_id": "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23",
        "meters": null
    }));
    assert_eq!(subscription.price_id(), None);
    assert_eq!(subscription.current_period_end(), None);
    assert!(!subscription.cancel_at_period_end());
    assert!(subscription.metadata().is_empty());
    assert!(subscription.custom_field_data().is_empty());
    assert!(subscription.meters().is_empty());

    let grant: GrantedBenefit = decode(&json!({
        "id": "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9",
        "created_at": "2025-01-03T13:37:00Z",
        "benefit_id": "397a17aa-15cf-4cb4-9333-18040203cf98",
        "benefit_type": "custom"
    }));
    assert_eq!(grant.properties(), &Value::Null);
    assert!(grant.benefit_metadata().is_empty());
    assert_eq!(grant.granted_at(), None);

    let meter: ActiveMeter = decode(&json!({
        "id": "0b7d2c1e-4f3a-4e6b-8c9d-1a2b3c4d5e6f",
        "created_at": "2025-01-03T13:37:00Z",
        "meter_id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
        "balance": null
    }));
    assert_eq!(meter.balance(), 0.0);

    let meter: SubscriptionMeter = decode(&json!({
        "id": "0b7d2c1e-4f3a-4e6b-8c9d-1a2b3c4d5e6f",
        "created_at": "2025-01-03T13:37:00Z",
        "meter_id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
        "consumed_units": 7
    }));
    assert_eq!(meter.consumed_units(), 7.0, "an integer reads as a float");

    let member: Member = decode(&json!({
        "id": "4c5b2f0e-9f5e-4b8e-8a6d-2c1f0e9d8b7a",
        "created_at": "2026-04-01T10:00:00Z",
        "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "email": "member@example.com",
        "role": "member"
    }));
    assert_eq!(member.name(), None);
    assert_eq!(member.external_id(), None);
    assert_eq!(member.modified_at(), None);
    assert!(!member.is_owner());
}

#[test]
fn bodies_that_are_not_these_objects_are_refused() {
    assert!(serde_json::from_value::<CustomerState>(json!({ "active_meters": [] })).is_err());
    let mut member = lifecycle::member();
    member.as_object_mut().unwrap().remove("email");
    assert!(serde_json::from_value::<Member>(member).is_err());
    let mut session = lifecycle::session();
    session.as_object_mut().unwrap().remove("token");
    assert!(serde_json::from_value::<CustomerSession>(session).is_err());
    let mut subscription = lifecycle::subscription();
    subscription["status"] = json!(3);
    assert!(serde_json::from_value::<ActiveSubscription>(subscription).is_err());
}

#[test]
fn a_member_exposes_every_field() {
    let member: Member = decode(&lifecycle::member());
    assert_eq!(member.id(), "4c5b2f0e-9f5e-4b8e-8a6d-2c1f0e9d8b7a");
    assert_eq!(member.created_at(), at("2026-04-01T10:00:00Z"));
    assert_eq!(member.customer_id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_eq!(member.email(), "member@example.com");
    assert_eq!(member.name(), Some("Jane Doe"));
    assert_eq!(member.external_id(), Some("usr_1337"));
    assert_eq!(member.role(), &MemberRole::Owner);
    assert!(member.is_owner());
}

#[test]
fn a_session_exposes_every_field_and_debug_hides_the_token() {
    let session: CustomerSession = decode(&lifecycle::session());
    assert_eq!(session.id(), "a1b2c3d4-0000-4000-8000-000000000001");
    assert_eq!(session.token(), "polar_cst_TOKENSECRET0123456789");
    assert_eq!(session.created_at(), at("2026-04-01T10:00:00Z"));
    assert_eq!(session.expires_at(), at("2026-04-01T11:00:00Z"));
    assert_eq!(session.modified_at(), None);
    assert_eq!(session.return_url(), Some("https://example.com/account/"));
    assert!(
        session
            .customer_portal_url()
            .contains("customer_session_token=polar_cst_TOKENSECRET0123456789")
    );
    assert_eq!(
        session.customer_id(),
        "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
    );
    assert_eq!(session.customer().external_id(), Some("usr_1337"));

    let debug = format!("{session:?}");
    assert!(!debug.contains("TOKENSECRET"), "{debug}");
    assert!(!debug.contains("customer%40example.com"), "{debug}");
    assert!(
        debug.contains("https://polar.sh/acme/portal?[redacted]"),
        "{debug}"
    );
    assert!(debug.contains("a1b2c3d4-0000-4000-8000-000000000001"));
    let pretty = format!("{session:#?}");
    assert!(!pretty.contains("TOKENSECRET"), "{pretty}");

    // A portal URL carrying the token somewhere other than the query is redacted too.
    let mut odd = lifecycle::session();
    odd["customer_portal_url"] = json!("https://polar.sh/portal/polar_cst_TOKENSECRET0123456789");
    let debug = format!("{:?}", decode::<CustomerSession>(&odd));
    assert!(!debug.contains("TOKENSECRET"), "{debug}");
}

#[test]
fn every_type_serializes_back_to_a_body_that_decodes_the_same() {
    fn round_trip<T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(
        body: Value,
    ) {
        let decoded: T = decode(&body);
        let written = serde_json::to_value(&decoded).unwrap();
        assert_eq!(decode::<T>(&written), decoded);
    }
    round_trip::<CustomerState>(lifecycle::individual_state());
    round_trip::<CustomerState>(lifecycle::team_state());
    round_trip::<Member>(lifecycle::member());
    round_trip::<CustomerSession>(lifecycle::session());

    // Polar's shape: the customer's fields at the top level of a state, the token in a session.
    let state: CustomerState = decode(&lifecycle::individual_state());
    let written = serde_json::to_value(&state).unwrap();
    assert_eq!(written["email"], json!("customer@example.com"));
    assert_eq!(written["tax_id"], json!(["911144442", "us_ein"]));
    assert_eq!(
        written["active_subscriptions"][0]["price_id"],
        json!("5f6c9b43-4a7e-4cdb-9d5a-6e9f4c8b7a21")
    );
    assert_eq!(
        written["granted_benefits"][0]["benefit_type"],
        json!("license_keys")
    );
    assert!(written.get("customer").is_none());
    let session: CustomerSession = decode(&lifecycle::session());
    assert_eq!(
        serde_json::to_value(&session).unwrap()["token"],
        json!("polar_cst_TOKENSECRET0123456789")
    );
}
