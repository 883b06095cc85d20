//! Webhook payloads decode into typed events: every customer event shape Polar sends, payloads
//! with values and fields this crate does not know, and unknown event types as `Event::Other`.

use polar_client::webhooks::{Event, WebhookError};
use polar_client::{Country, CustomerKind, MetadataValue, TaxIdFormat};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/webhooks/events/", $name, ".json")).as_slice()
    };
}

fn decode(body: &[u8]) -> Event {
    Event::from_json(body).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn customer_created_individual_with_every_field() {
    let event = decode(fixture!("customer.created.individual"));
    assert_eq!(event.event_type(), "customer.created");
    assert_eq!(
        event.timestamp().to_rfc3339(),
        "2026-04-01T10:00:00.123456+00:00"
    );
    let Event::CustomerCreated { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(event.customer(), Some(customer));
    assert_eq!(customer.id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_eq!(customer.kind(), &CustomerKind::Individual);
    assert_eq!(customer.email(), Some("jane@example.org"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(customer.modified_at(), None);
    assert_eq!(
        customer.metadata().get("seats"),
        Some(&MetadataValue::from(3))
    );
    let address = customer.billing_address().unwrap();
    assert_eq!(address.country, Country::US);
    assert_eq!(address.state.as_deref(), Some("US-NY"));
    assert_eq!(customer.tax_id().unwrap().format(), &TaxIdFormat::UsEin);
    assert_eq!(customer.locale(), Some("en-US"));
}

#[test]
fn customer_created_team_without_email() {
    let event = decode(fixture!("customer.created.team"));
    let Event::CustomerCreated {
        customer,
        timestamp,
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!(timestamp.to_rfc3339(), "2026-04-01T10:00:00+00:00");
    assert!(customer.is_team());
    assert_eq!(customer.email(), None);
    assert_eq!(customer.name(), Some("Acme Inc."));
    assert_eq!(customer.billing_address(), None);
}

#[test]
fn customer_updated() {
    let event = decode(fixture!("customer.updated"));
    let Event::CustomerUpdated { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(event.event_type(), "customer.updated");
    assert!(customer.is_team());
    assert_eq!(customer.email(), Some("jane.doe@example.org"));
    assert_eq!(customer.billing_name(), Some("Doe Consulting"));
    assert_eq!(customer.tax_id().unwrap().format(), &TaxIdFormat::EuVat);
    assert_eq!(customer.default_payment_method_id(), Some("pm_1"));
    assert!(customer.modified_at().unwrap() < event.timestamp());
}

#[test]
fn customer_deleted_with_anonymized_data_and_saved_external_id() {
    let event = decode(fixture!("customer.deleted.anonymized"));
    let Event::CustomerDeleted { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert!(customer.deleted_at().is_some());
    // Polar still shows the external ID it freed, and keeps it in the metadata.
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(
        customer.metadata().get("__external_id"),
        Some(&MetadataValue::from("usr_1337"))
    );
    assert!(customer.email().unwrap().ends_with("@anonymized.polar.sh"));
}

#[test]
fn unknown_enum_values_and_fields_decode() {
    let event = decode(fixture!("customer.from_the_future"));
    let customer = event.customer().unwrap();
    assert_eq!(customer.kind(), &CustomerKind::Other("organization".into()));
    let address = customer.billing_address().unwrap();
    assert_eq!(address.country, Country::Other("XK".into()));
    assert_eq!(
        customer.tax_id().unwrap().format(),
        &TaxIdFormat::Other("xk_vat".into())
    );
    assert!(!customer.email_verified());
    assert_eq!(customer.metadata().len(), 1);
    assert_eq!(customer.locale(), Some("sq-XK"));
}

#[test]
fn an_unknown_event_type_is_other_with_its_data() {
    let event = decode(fixture!("order.paid"));
    let Event::Other {
        event_type,
        timestamp,
        data,
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!(event_type, "order.paid");
    assert_eq!(event.event_type(), "order.paid");
    assert_eq!(timestamp.to_rfc3339(), "2026-04-01T10:05:00.000001+00:00");
    assert_eq!(data["total_amount"], 1900);
    assert_eq!(event.customer(), None);

    for event_type in [
        "subscription.created",
        "benefit_grant.cycled",
        "a.type.from.2030",
    ] {
        let body = format!(r#"{{"type":"{event_type}","timestamp":"2026-04-01T10:00:00Z"}}"#);
        let event = decode(body.as_bytes());
        assert!(
            matches!(&event, Event::Other { data, .. } if data.is_null()),
            "{event:?}"
        );
        assert_eq!(event.event_type(), event_type);
    }
}

#[test]
fn a_typed_event_whose_data_does_not_decode_names_the_path() {
    let body = br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":{"id":"c","created_at":"2026-04-01T10:00:00Z"}}"#;
    match Event::from_json(body) {
        Err(WebhookError::InvalidPayload { path, message }) => {
            assert_eq!(path, "data");
            assert!(message.contains("organization_id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let error = Event::from_json(
        br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":[]}"#,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the body is not a Polar event: at `data`"),
        "{error}"
    );
}
