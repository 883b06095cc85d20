//! Decoding `Customer` from what Polar sends: the documented example, real shapes, and everything
//! Polar may add later (unknown codes, types and fields) or omit.

use chrono::{TimeZone, Utc};
use polar_client::{Country, Customer, CustomerKind, MetadataValue, TaxIdFormat};
use serde_json::{Value, json};

use crate::fixtures;

fn decode(body: &Value) -> Customer {
    serde_json::from_value(body.clone()).unwrap()
}

#[test]
fn the_documented_201_example_decodes_placeholders_and_all() {
    let seed = fixtures::DOCUMENTED_201;
    let customer: Customer = serde_json::from_str(seed).unwrap();
    assert_eq!(customer.id(), "<string>");
    assert_eq!(
        customer.created_at(),
        Utc.with_ymd_and_hms(2023, 11, 7, 5, 31, 56).unwrap()
    );
    assert_eq!(customer.kind(), &CustomerKind::Other("<string>".into()));
    assert!(!customer.is_individual() && !customer.is_team());
    assert_eq!(customer.name(), Some("John Doe"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(customer.billing_address().unwrap().country(), &Country::AD);
    assert_eq!(
        customer.tax_id(),
        None,
        "the placeholder object is not a tax id"
    );
    assert!(customer.metadata().is_empty());
    assert!(customer.deleted_at().is_some());
    assert_eq!(customer.billing_name(), None);
    assert!(!customer.was_recovered());
}

#[test]
fn a_full_individual_exposes_every_field() {
    let customer = decode(&fixtures::individual_201());
    assert_eq!(customer.id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_eq!(
        customer.created_at(),
        Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).unwrap()
            + chrono::Duration::microseconds(123_456)
    );
    assert_eq!(
        customer.modified_at(),
        Some(Utc.with_ymd_and_hms(2026, 4, 2, 11, 30, 0).unwrap())
    );
    assert_eq!(customer.email(), Some("customer@example.com"));
    assert!(customer.email_verified());
    assert_eq!(customer.kind(), &CustomerKind::Individual);
    assert!(customer.is_individual() && !customer.is_team());
    assert_eq!(customer.name(), Some("John Doe"));
    assert_eq!(customer.billing_name(), Some("John Doe Ltd"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    let address = customer.billing_address().unwrap();
    assert_eq!(address.country(), &Country::US);
    assert_eq!(address.line1(), Some("1 Main Street"));
    assert_eq!(address.line2(), Some("Suite 2"));
    assert_eq!(address.postal_code(), Some("94105"));
    assert_eq!(address.city(), Some("San Francisco"));
    assert_eq!(address.state(), Some("US-CA"));
    let tax_id = customer.tax_id().unwrap();
    assert_eq!(tax_id.value(), "911144442");
    assert_eq!(tax_id.format(), &TaxIdFormat::UsEin);
    assert_eq!(customer.locale(), Some("en-US"));
    assert_eq!(
        customer.organization_id(),
        "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
    );
    assert_eq!(
        customer.default_payment_method_id(),
        Some("5a2a3b1e-8a7d-4e44-9e0e-0d7c2a1b3c4d")
    );
    assert_eq!(customer.deleted_at(), None);
    assert_eq!(
        customer.first_user_event_at(),
        Some(Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0).unwrap())
    );
    assert_eq!(
        customer.avatar_url(),
        Some("https://www.gravatar.com/avatar/xxx?d=404")
    );
    let metadata = customer.metadata();
    assert_eq!(metadata["plan"], MetadataValue::String("pro".into()));
    assert_eq!(metadata["seats"], MetadataValue::Integer(12));
    assert_eq!(metadata["ratio"], MetadataValue::Float(0.5));
    assert_eq!(metadata["trial"], MetadataValue::Bool(false));
}

#[test]
fn a_team_without_email_decodes() {
    let mut body = fixtures::individual_201();
    body["type"] = json!("team");
    body["email"] = Value::Null;
    body["billing_address"] = Value::Null;
    body["tax_id"] = Value::Null;
    let customer = decode(&body);
    assert_eq!(customer.kind(), &CustomerKind::Team);
    assert!(customer.is_team() && !customer.is_individual());
    assert_eq!(customer.email(), None);
    assert_eq!(customer.billing_address(), None);
    assert_eq!(customer.tax_id(), None);
}

#[test]
fn unknown_country_is_kept_readable() {
    let mut body = fixtures::individual_201();
    body["billing_address"]["country"] = json!("XK");
    let customer = decode(&body);
    let country = customer.billing_address().unwrap().country();
    assert_eq!(country, &Country::Other("XK".into()));
    assert_eq!(country.code(), "XK");
    assert!(!country.is_supported_for_billing());
}

#[test]
fn unknown_tax_id_format_is_kept() {
    let mut body = fixtures::individual_201();
    body["tax_id"] = json!(["XK123", "xk_vat"]);
    let customer = decode(&body);
    let tax_id = customer.tax_id().unwrap();
    assert_eq!(tax_id.value(), "XK123");
    assert_eq!(tax_id.format(), &TaxIdFormat::Other("xk_vat".into()));
    assert_eq!(tax_id.format().code(), "xk_vat");
}

#[test]
fn odd_tax_id_shapes_read_as_none_without_failing() {
    for shape in [
        json!(["only-one"]),
        json!(["a", "eu_vat", "extra"]),
        json!([1, "eu_vat"]),
        json!("FR61954506077"),
        json!({"value": "x"}),
        json!(42),
    ] {
        let mut body = fixtures::individual_201();
        body["tax_id"] = shape.clone();
        assert_eq!(decode(&body).tax_id(), None, "{shape}");
    }
}

#[test]
fn unknown_customer_type_is_kept() {
    let mut body = fixtures::individual_201();
    body["type"] = json!("organization");
    let customer = decode(&body);
    assert_eq!(customer.kind(), &CustomerKind::Other("organization".into()));
    assert_eq!(customer.kind().to_string(), "organization");
    assert!(!customer.is_individual() && !customer.is_team());
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let mut body = fixtures::individual_201();
    body["members"] = json!([{ "id": "m1", "role": "owner" }]);
    body["risk_score"] = json!(0.1);
    body["billing_address"]["county"] = json!("Marin");
    let customer = decode(&body);
    assert_eq!(customer, decode(&fixtures::individual_201()));
}

#[test]
fn only_id_created_at_and_organization_id_are_required() {
    let minimal = json!({
        "id": "c1",
        "created_at": "2026-04-01T10:00:00Z",
        "organization_id": "o1"
    });
    let customer = decode(&minimal);
    assert_eq!(customer.id(), "c1");
    assert_eq!(
        customer.kind(),
        &CustomerKind::Individual,
        "the server's default type"
    );
    assert_eq!(customer.email(), None);
    assert!(!customer.email_verified());
    assert!(customer.metadata().is_empty());
    assert_eq!(customer.modified_at(), None);
    assert_eq!(customer.billing_address(), None);
    assert_eq!(customer.tax_id(), None);
    assert_eq!(customer.locale(), None);
    assert_eq!(customer.avatar_url(), None);

    for required in ["id", "created_at", "organization_id"] {
        let mut body = minimal.clone();
        body.as_object_mut().unwrap().remove(required);
        let error = serde_json::from_value::<Customer>(body).unwrap_err();
        assert!(error.to_string().contains(required), "{error}");
    }
}

#[test]
fn nulls_in_optional_fields_read_as_absent() {
    let body = json!({
        "id": "c1", "created_at": "2026-04-01T10:00:00Z", "organization_id": "o1",
        "metadata": null, "email_verified": null, "modified_at": null, "name": null,
        "billing_name": null, "billing_address": null, "tax_id": null, "locale": null,
        "default_payment_method_id": null, "deleted_at": null, "first_user_event_at": null,
        "avatar_url": null, "external_id": null, "email": null
    });
    let customer = decode(&body);
    assert!(customer.metadata().is_empty());
    assert!(!customer.email_verified());
    assert_eq!(customer.name(), None);
}

#[test]
fn non_scalar_metadata_values_are_skipped() {
    let mut body = fixtures::individual_201();
    body["metadata"] = json!({
        "kept": "yes", "gone_null": null, "gone_list": [1, 2], "gone_object": { "a": 1 }, "big": 18446744073709551615u64
    });
    let customer = decode(&body);
    let keys: Vec<&str> = customer.metadata().keys().map(String::as_str).collect();
    assert_eq!(keys, ["big", "kept"]);
    assert_eq!(
        customer.metadata()["big"].as_f64(),
        Some(18_446_744_073_709_551_615.0)
    );
}

#[test]
fn serialize_then_decode_gives_the_same_customer() {
    let customer = decode(&fixtures::individual_201());
    let written = serde_json::to_value(&customer).unwrap();
    assert_eq!(written["tax_id"], json!(["911144442", "us_ein"]));
    assert_eq!(written["type"], json!("individual"));
    assert_eq!(written["billing_address"]["country"], json!("US"));
    assert_eq!(decode(&written), customer);
}

#[test]
fn decodes_from_bytes_with_escapes() {
    let bytes = br#"{"id":"c\u0031","created_at":"2026-04-01T10:00:00+02:00","organization_id":"o1","name":"Zo\u00eb","billing_address":{"country":"de"}}"#;
    let customer: Customer = serde_json::from_slice(bytes).unwrap();
    assert_eq!(customer.id(), "c1");
    assert_eq!(customer.name(), Some("Zoë"));
    assert_eq!(
        customer.created_at(),
        Utc.with_ymd_and_hms(2026, 4, 1, 8, 0, 0).unwrap()
    );
    assert_eq!(
        customer.billing_address().unwrap().country(),
        &Country::DE,
        "lower-case codes still read"
    );
}
