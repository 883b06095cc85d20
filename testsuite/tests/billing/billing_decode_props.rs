//! Property tests for the billing response types (`Subscription`, `Checkout`, `Order`): every
//! enum field takes any string (unknown ones read as `Other`), any extra field is ignored, and
//! arbitrary bytes never panic.

use polar_client::{
    BillingReason, CancellationReason, Checkout, CheckoutStatus, Order, OrderStatus, Subscription,
    SubscriptionStatus,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn subscription() -> Value {
    json!({
        "id": "2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11",
        "created_at": "2026-04-01T10:00:00.123456Z",
        "modified_at": null,
        "status": "active",
        "amount": 1900,
        "currency": "usd",
        "recurring_interval": "month",
        "recurring_interval_count": 1,
        "current_period_start": "2026-04-01T10:00:00Z",
        "current_period_end": "2026-05-01T10:00:00Z",
        "cancel_at_period_end": false,
        "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "product_id": "5b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d",
        "customer_cancellation_reason": "too_expensive",
        "pending_update": null,
        "metadata": {"plan": "pro"},
        "price_id": "hidden-but-present",
        "user": {"id": "u"}
    })
}

fn checkout() -> Value {
    json!({
        "id": "0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b",
        "status": "open",
        "client_secret": "polar_c_x",
        "url": "https://polar.sh/checkout/polar_c_x",
        "expires_at": "2026-04-02T10:00:00Z",
        "success_url": "https://example.org/ok",
        "customer_external_id": "deprecated-hidden",
        "subtotal_amount": 1900,
        "metadata": {}
    })
}

fn order() -> Value {
    json!({
        "id": "7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f",
        "status": "paid",
        "billing_reason": "purchase",
        "total_amount": 1900,
        "billing_address": {"country": "US"},
        "is_invoice_generated": false,
        "metadata": {}
    })
}

fn decode<T: DeserializeOwned>(body: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(body.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Subscription>(&bytes);
        let _ = serde_json::from_slice::<Checkout>(&bytes);
        let _ = serde_json::from_slice::<Order>(&bytes);
    }

    #[test]
    fn any_subscription_status_or_reason_decodes(status in "[a-z_]{0,20}", reason in "[a-z_]{1,20}") {
        let mut body = subscription();
        body["status"] = json!(status);
        body["customer_cancellation_reason"] = json!(reason);
        let decoded: Subscription = decode(&body).unwrap();
        prop_assert_eq!(decoded.status().code(), status.as_str());
        if let SubscriptionStatus::Other(_) = decoded.status() {
            prop_assert!(!decoded.grants_access(polar_client::PastDuePolicy::GrantAccess));
        }
        prop_assert_eq!(decoded.customer_cancellation_reason().map(|r| r.code().to_owned()), Some(reason.clone()));
        let _ = CancellationReason::Other(reason);
    }

    #[test]
    fn any_checkout_status_decodes(status in "[a-z_]{0,20}") {
        let mut body = checkout();
        body["status"] = json!(status);
        let decoded: Checkout = decode(&body).unwrap();
        prop_assert_eq!(decoded.status().code(), status.as_str());
        if status == "expired" {
            prop_assert_eq!(decoded.status(), &CheckoutStatus::Expired);
        }
    }

    #[test]
    fn any_order_status_and_reason_decode(status in "[a-z_]{0,20}", reason in "[a-z_]{0,20}") {
        let mut body = order();
        body["status"] = json!(status);
        body["billing_reason"] = json!(reason);
        let decoded: Order = decode(&body).unwrap();
        prop_assert_eq!(decoded.status().code(), status.as_str());
        prop_assert_eq!(decoded.billing_reason().map(BillingReason::code), Some(reason.as_str()));
        if status == "paid" {
            prop_assert_eq!(decoded.status(), &OrderStatus::Paid);
        }
    }

    #[test]
    fn unknown_fields_are_ignored(name in "[a-z_]{1,16}", value in prop_oneof![
        Just(json!(null)), Just(json!(1)), Just(json!("x")), Just(json!([1, {"a": 2}])), Just(json!({"nested": true}))
    ]) {
        for (mut body, kind) in [(subscription(), 0), (checkout(), 1), (order(), 2)] {
            let known = body.as_object().unwrap().contains_key(&name);
            if known {
                continue;
            }
            body[&name] = value.clone();
            let ok = match kind {
                0 => decode::<Subscription>(&body).is_ok(),
                1 => decode::<Checkout>(&body).is_ok(),
                _ => decode::<Order>(&body).is_ok(),
            };
            prop_assert!(ok, "{} with {}={}", kind, name, value);
        }
    }

    #[test]
    fn only_the_id_is_required(drop in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        for (mut body, kind) in [(subscription(), 0), (checkout(), 1), (order(), 2)] {
            let keys: Vec<String> = body.as_object().unwrap().keys().filter(|k| *k != "id").cloned().collect();
            for index in &drop {
                body.as_object_mut().unwrap().remove(index.get(&keys));
            }
            let ok = match kind {
                0 => decode::<Subscription>(&body).is_ok(),
                1 => decode::<Checkout>(&body).is_ok(),
                _ => decode::<Order>(&body).is_ok(),
            };
            prop_assert!(ok, "{} without some of {:?}", kind, keys);
        }
    }
}

#[test]
fn nulls_everywhere_but_the_id_decode() {
    let mut s = subscription();
    for (key, value) in s.as_object_mut().unwrap() {
        if key != "id" {
            *value = Value::Null;
        }
    }
    let decoded: Subscription = decode(&s).unwrap();
    assert!(!decoded.cancel_at_period_end());
    let mut c = checkout();
    for (key, value) in c.as_object_mut().unwrap() {
        if key != "id" {
            *value = Value::Null;
        }
    }
    assert!(decode::<Checkout>(&c).is_ok());
    let mut o = order();
    for (key, value) in o.as_object_mut().unwrap() {
        if key != "id" {
            *value = Value::Null;
        }
    }
    assert!(decode::<Order>(&o).is_ok());
}
