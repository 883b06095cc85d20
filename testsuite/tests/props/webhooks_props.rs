//! Property tests for webhook verification: whatever `sign` signs verifies; any change to the body,
//! the ID or the timestamp, or another secret, is a signature mismatch; arbitrary headers and
//! bodies never panic.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use polar_client::webhooks::{self, WebhookError, WebhookSecret, WebhookVerifier};
use proptest::prelude::*;

const SIGNED_AT: u64 = 1_775_037_600;

fn event_body() -> impl Strategy<Value = Vec<u8>> {
    ("[a-z_]{1,12}\\.[a-z_]{1,12}", any::<String>()).prop_map(|(event_type, text)| {
        serde_json::to_vec(&serde_json::json!({
            "type": event_type,
            "timestamp": "2026-04-01T10:00:00Z",
            "data": { "text": text },
        }))
        .unwrap()
    })
}

fn verifier(secret: &str) -> WebhookVerifier {
    WebhookVerifier::new(secret)
}

fn at(seconds: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

proptest! {
    #[test]
    fn what_sign_signs_verifies(
        secret in "whsec_[A-Za-z0-9]{1,43}",
        id in "[!-~]{1,64}",
        body in event_body(),
        skew in -300_i64..=300,
    ) {
        let headers = webhooks::sign(&WebhookSecret::new(secret.as_str()), &id, at(SIGNED_AT), &body).unwrap();
        let now = at(SIGNED_AT.checked_add_signed(skew).unwrap());
        let delivery = verifier(&secret).verify_at(&headers, &body, now).unwrap();
        prop_assert_eq!(delivery.webhook_id(), id.as_str());
    }

    #[test]
    fn any_changed_byte_breaks_the_signature(
        body in event_body(),
        position in any::<prop::sample::Index>(),
        flip in 1_u8..=255,
    ) {
        let secret = "whsec_propertySecret";
        let headers = webhooks::sign(&WebhookSecret::new(secret), "msg_1", at(SIGNED_AT), &body).unwrap();
        let mut changed = body.clone();
        let i = position.index(changed.len());
        changed[i] ^= flip;
        prop_assert_eq!(
            verifier(secret).verify_at(&headers, &changed, at(SIGNED_AT)),
            Err(WebhookError::SignatureMismatch)
        );
    }

    #[test]
    fn another_secret_id_or_timestamp_breaks_the_signature(
        body in event_body(),
        other_secret in "whsec_[A-Za-z0-9]{1,43}",
        other_id in "[a-z0-9_]{1,20}",
        later in 1_u64..300,
    ) {
        let secret = "whsec_propertySecret";
        prop_assume!(other_secret != secret && other_id != "msg_1");
        let headers = webhooks::sign(&WebhookSecret::new(secret), "msg_1", at(SIGNED_AT), &body).unwrap();
        prop_assert_eq!(
            verifier(&other_secret).verify_at(&headers, &body, at(SIGNED_AT)),
            Err(WebhookError::SignatureMismatch)
        );
        let mut moved = headers.clone();
        moved.insert("webhook-id", HeaderValue::from_str(&other_id).unwrap());
        prop_assert_eq!(
            verifier(secret).verify_at(&moved, &body, at(SIGNED_AT)),
            Err(WebhookError::SignatureMismatch)
        );
        let mut replayed = headers.clone();
        replayed.insert("webhook-timestamp", HeaderValue::from(SIGNED_AT + later));
        prop_assert_eq!(
            verifier(secret).verify_at(&replayed, &body, at(SIGNED_AT)),
            Err(WebhookError::SignatureMismatch)
        );
    }

    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        id in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        timestamp in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..30)),
        signature in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        body in proptest::collection::vec(any::<u8>(), 0..200),
        now in any::<u32>(),
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(&v).ok()) {
                headers.insert(name, value);
            }
        }
        let result = verifier("whsec_propertySecret").verify_at(&headers, &body, at(u64::from(now)));
        prop_assert!(result.is_err());
    }
}
