//! The billing webhooks the mock records decode into the crate's models through
//! `Event::checkout`, `Event::subscription` and `Event::order`, in Polar's order; other and
//! unknown event types stay `Event::Other` and read as none of them.

use crate::support;

use polar_client::webhooks::Event;
use polar_client::{CheckoutStatus, NewCheckout, OrderStatus};
use polar_client_mock::{Buyer, MockProduct, Uuid};
use support::{client, mock_with_secret};

#[tokio::test]
async fn every_billing_event_decodes_into_its_model() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).customer_email("jane@example.org"))
        .await
        .unwrap();
    let done = mock
        .complete_checkout(
            Uuid::parse_str(checkout.id()).unwrap(),
            Buyer::new("jane@example.org"),
        )
        .unwrap();
    let id = done.subscription.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    polar
        .subscriptions()
        .cancel_at_period_end(&id)
        .await
        .unwrap();
    polar.subscriptions().revoke(&id).await.unwrap();

    let mut seen = Vec::new();
    for recorded in mock.events() {
        let body = serde_json::to_vec(&recorded.envelope()).unwrap();
        let event = Event::from_json(&body).unwrap();
        let kind = event.event_type().to_owned();
        let (c, s, o) = (
            event.checkout().unwrap(),
            event.subscription().unwrap(),
            event.order().unwrap(),
        );
        match kind.split('.').next() {
            Some("checkout") => assert!(c.is_some() && s.is_none() && o.is_none(), "{kind}"),
            Some("subscription") => assert!(s.is_some() && c.is_none() && o.is_none(), "{kind}"),
            Some("order") => {
                let order = o.unwrap();
                assert_eq!(
                    order.status(),
                    &OrderStatus::Paid,
                    "{kind}: a checkout order is paid from the start"
                );
            }
            _ => assert!(c.is_none() && s.is_none() && o.is_none(), "{kind}"),
        }
        if let Some(checkout) = event.checkout().unwrap() {
            seen.push(format!("{kind}:{}", checkout.status()));
        } else if kind.starts_with("subscription.") || kind.starts_with("order.") {
            seen.push(kind);
        }
    }
    assert_eq!(
        seen,
        [
            "checkout.created:open",
            "checkout.updated:confirmed",
            "subscription.created",
            "subscription.active",
            "order.created",
            "order.updated",
            "order.paid",
            "checkout.updated:succeeded",
            "subscription.updated",
            "subscription.canceled",
            "subscription.updated",
            "subscription.revoked",
        ]
    );
    assert_eq!(CheckoutStatus::Succeeded.to_string(), "succeeded");
}

#[test]
fn unknown_and_malformed_billing_events() {
    let unknown = Event::from_json(
        br#"{"type":"subscription.teleported","timestamp":"2026-04-01T10:00:00Z","data":{"x":1}}"#,
    )
    .unwrap();
    assert!(matches!(unknown, Event::Other { .. }));
    assert!(unknown.subscription().unwrap().is_none());
    let malformed = Event::from_json(
        br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{"status":"paid"}}"#,
    )
    .unwrap();
    let err = malformed.order().unwrap_err();
    assert!(err.to_string().contains("data"), "{err}");
}
