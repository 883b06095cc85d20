//! Property tests for `Customer` decoding: garbage never panics, and a customer that differs from a
//! valid one only in enum values, lenient fields or extra fields always decodes.

use polar_client::{Country, Customer, CustomerKind};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::fixtures;

use fixtures::CUSTOMER_FIELDS as KNOWN_FIELDS;
use fixtures::json::any_json;

fn valid() -> Value {
    json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "created_at": "2026-04-01T10:00:00.123456Z",
        "modified_at": null,
        "metadata": { "plan": "pro", "seats": 3 },
        "external_id": "usr_1337",
        "email": "customer@example.com",
        "email_verified": false,
        "type": "individual",
        "name": "John Doe",
        "billing_name": "John Doe",
        "billing_address": { "country": "US", "line1": null, "line2": null, "postal_code": null, "city": null, "state": null },
        "tax_id": ["911144442", "us_ein"],
        "locale": "en",
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
        "default_payment_method_id": null,
        "deleted_at": null,
        "first_user_event_at": null,
        "avatar_url": null
    })
}

fn decode(body: &Value) -> Result<Customer, serde_json::Error> {
    serde_json::from_slice(&serde_json::to_vec(body).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Customer>(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(body in any_json()) {
        let _ = decode(&body);
    }

    #[test]
    fn any_known_field_replaced_by_any_json_never_panics(field in prop::sample::select(KNOWN_FIELDS), value in any_json()) {
        let mut body = valid();
        body[field] = value;
        let _ = decode(&body);
    }

    #[test]
    fn any_country_string_decodes(code in prop_oneof![".{0,6}", "[a-zA-Z]{2}"]) {
        let mut body = valid();
        body["billing_address"]["country"] = json!(code);
        let customer = decode(&body).unwrap();
        let country = customer.billing_address().unwrap().country();
        let expected = code.parse::<Country>().map(|c| c.code().to_owned()).unwrap_or(code.clone());
        prop_assert_eq!(country.code(), expected.as_str());
    }

    #[test]
    fn any_tax_id_format_decodes(value in ".{0,16}", format in ".{0,16}") {
        let mut body = valid();
        body["tax_id"] = json!([value, format]);
        let customer = decode(&body).unwrap();
        let tax_id = customer.tax_id().unwrap();
        prop_assert_eq!(tax_id.value(), value.as_str());
        prop_assert_eq!(tax_id.format().code(), format.as_str());
    }

    #[test]
    fn any_customer_type_decodes(kind in ".{0,16}") {
        let mut body = valid();
        body["type"] = json!(kind);
        let customer = decode(&body).unwrap();
        prop_assert_eq!(customer.kind().code(), kind.as_str());
        prop_assert_eq!(customer.is_team(), kind == "team");
        prop_assert_eq!(customer.kind() == &CustomerKind::Individual, kind == "individual");
    }

    #[test]
    fn lenient_fields_take_any_json(tax_id in any_json(), metadata_value in any_json()) {
        let mut body = valid();
        body["tax_id"] = tax_id;
        body["metadata"]["extra"] = metadata_value.clone();
        let customer = decode(&body).unwrap();
        let kept = customer.metadata().contains_key("extra");
        let scalar = matches!(metadata_value, Value::String(_) | Value::Number(_) | Value::Bool(_));
        prop_assert_eq!(kept, scalar);
    }

    #[test]
    fn extra_fields_change_nothing(
        extra in prop::collection::btree_map("[a-z_]{1,12}", any_json(), 1..6),
        address_extra in prop::collection::btree_map("[a-z_]{1,12}", any_json(), 0..3),
    ) {
        let mut body = valid();
        for (key, value) in extra {
            if !KNOWN_FIELDS.contains(&key.as_str()) {
                body[key] = value;
            }
        }
        for (key, value) in address_extra {
            if !["country", "line1", "line2", "postal_code", "city", "state"].contains(&key.as_str()) {
                body["billing_address"][key] = value;
            }
        }
        prop_assert_eq!(decode(&body).unwrap(), decode(&valid()).unwrap());
    }

    /// Floats are limited to exactly representable binary fractions: serde_json's default float
    /// parser (without its `float_roundtrip` feature) may be one ULP off on arbitrary doubles.
    #[test]
    fn decoded_customers_survive_a_serialize_round_trip(
        metadata in prop::collection::btree_map(".{1,8}", prop_oneof![
            ".{0,8}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(|i| Value::from(f64::from(i) / 1024.0)),
            Just(Value::Null),
            Just(json!([1, "two"])),
        ], 0..5),
    ) {
        let mut body = valid();
        body["metadata"] = json!(metadata);
        let customer = decode(&body).unwrap();
        let again: Customer = serde_json::from_slice(&serde_json::to_vec(&customer).unwrap()).unwrap();
        prop_assert_eq!(again, customer);
    }
}
