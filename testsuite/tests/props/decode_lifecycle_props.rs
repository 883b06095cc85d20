//! Property tests for the lifecycle's responses: garbage never panics, and a body that differs from
//! a valid one only in enum values or extra fields always decodes (to the same thing).

use polar_client::{
    ActiveMeter, ActiveSubscription, BenefitType, CustomerSession, CustomerState, GrantedBenefit,
    Member, MemberRole, RecurringInterval, SubscriptionMeter, SubscriptionStatus,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::fixtures;

use fixtures::json::any_json;
use fixtures::lifecycle;

/// Extra top-level fields: names a body does not have yet, any JSON values.
fn extra_fields() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec(("x_[a-z_]{1,12}", any_json()), 1..6)
}

fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_slice(&serde_json::to_vec(body).unwrap())
}

/// `body` with every extra field added to the object at `pointer`.
fn with_extras(mut body: Value, pointer: &str, extras: &[(String, Value)]) -> Value {
    let object = body.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
    for (key, value) in extras {
        object.insert(key.clone(), value.clone());
    }
    body
}

/// Where the objects of a valid state body are (the state itself and one of each item).
const STATE_OBJECTS: &[&str] = &[
    "",
    "/active_subscriptions/0",
    "/active_subscriptions/0/meters/0",
    "/granted_benefits/0",
    "/active_meters/0",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<CustomerState>(&bytes);
        let _ = serde_json::from_slice::<Member>(&bytes);
        let _ = serde_json::from_slice::<CustomerSession>(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(body in any_json()) {
        let _ = decode::<CustomerState>(&body);
        let _ = decode::<ActiveSubscription>(&body);
        let _ = decode::<GrantedBenefit>(&body);
        let _ = decode::<ActiveMeter>(&body);
        let _ = decode::<SubscriptionMeter>(&body);
        let _ = decode::<Member>(&body);
        let _ = decode::<CustomerSession>(&body);
    }

    #[test]
    fn any_field_of_any_state_object_replaced_by_any_json_never_panics(
        object in prop::sample::select(STATE_OBJECTS),
        field in "[a-z_]{1,24}",
        value in any_json(),
    ) {
        let mut body = lifecycle::individual_state();
        body.pointer_mut(object).unwrap()[field] = value;
        let _ = decode::<CustomerState>(&body);
    }

    #[test]
    fn any_status_interval_and_benefit_type_decodes(
        status in ".{0,16}",
        interval in ".{0,16}",
        benefit_type in ".{0,24}",
    ) {
        let mut body = lifecycle::individual_state();
        body["active_subscriptions"][0]["status"] = json!(status);
        body["active_subscriptions"][0]["recurring_interval"] = json!(interval);
        body["granted_benefits"][0]["benefit_type"] = json!(benefit_type);
        let state: CustomerState = decode(&body).unwrap();
        let subscription = &state.active_subscriptions()[0];
        prop_assert_eq!(subscription.status().code(), status.as_str());
        prop_assert_eq!(subscription.status() == &SubscriptionStatus::Active, status == "active");
        prop_assert_eq!(subscription.recurring_interval().code(), interval.as_str());
        prop_assert_eq!(subscription.recurring_interval() == &RecurringInterval::Month, interval == "month");
        let grant = &state.granted_benefits()[0];
        prop_assert_eq!(grant.benefit_type().code(), benefit_type.as_str());
        prop_assert_eq!(grant.benefit_type() == &BenefitType::LicenseKeys, benefit_type == "license_keys");
    }

    #[test]
    fn any_member_role_decodes(role in ".{0,16}") {
        let mut body = lifecycle::member();
        body["role"] = json!(role);
        let member: Member = decode(&body).unwrap();
        prop_assert_eq!(member.role().code(), role.as_str());
        prop_assert_eq!(member.is_owner(), role == "owner");
        prop_assert_eq!(member.role() == &MemberRole::BillingManager, role == "billing_manager");
    }

    #[test]
    fn any_customer_type_in_a_state_or_session_decodes(kind in ".{0,16}") {
        let mut state = lifecycle::individual_state();
        state["type"] = json!(kind);
        let state: CustomerState = decode(&state).unwrap();
        prop_assert_eq!(state.customer().kind().code(), kind.as_str());
        let mut session = lifecycle::session();
        session["customer"]["type"] = json!(kind);
        let session: CustomerSession = decode(&session).unwrap();
        prop_assert_eq!(session.customer().kind().code(), kind.as_str());
    }

    #[test]
    fn grant_properties_and_custom_fields_take_any_json(properties in any_json(), custom in any_json()) {
        let mut body = lifecycle::individual_state();
        body["granted_benefits"][0]["properties"] = properties.clone();
        body["active_subscriptions"][0]["custom_field_data"]["extra"] = custom.clone();
        let state: CustomerState = decode(&body).unwrap();
        prop_assert_eq!(state.granted_benefits()[0].properties(), &properties);
        prop_assert_eq!(&state.active_subscriptions()[0].custom_field_data()["extra"], &custom);
    }

    #[test]
    fn extra_fields_in_any_state_object_change_nothing(
        object in prop::sample::select(STATE_OBJECTS),
        extras in extra_fields(),
    ) {
        let body = with_extras(lifecycle::individual_state(), object, &extras);
        let expected: CustomerState = decode(&lifecycle::individual_state()).unwrap();
        prop_assert_eq!(decode::<CustomerState>(&body).unwrap(), expected);
    }

    #[test]
    fn extra_fields_in_a_member_or_session_change_nothing(
        object in prop::sample::select(&["", "/customer"][..]),
        extras in extra_fields(),
    ) {
        let member = with_extras(lifecycle::member(), "", &extras);
        prop_assert_eq!(decode::<Member>(&member).unwrap(), decode::<Member>(&lifecycle::member()).unwrap());
        let session = with_extras(lifecycle::session(), object, &extras);
        prop_assert_eq!(
            decode::<CustomerSession>(&session).unwrap(),
            decode::<CustomerSession>(&lifecycle::session()).unwrap()
        );
    }

    #[test]
    fn extra_fields_in_a_team_state_change_nothing(extras in extra_fields()) {
        let body = with_extras(lifecycle::team_state(), "", &extras);
        prop_assert_eq!(
            decode::<CustomerState>(&body).unwrap(),
            decode::<CustomerState>(&lifecycle::team_state()).unwrap()
        );
    }
}
