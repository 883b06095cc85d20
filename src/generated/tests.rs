//! Decode/encode tests proving the generated models match what Polar sends and expects.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::types::{CountryAlpha2, CustomerIndividual, CustomerTeam, MetadataOutputTypeValue};

/// The union progenitor would generate for the `Customer` schema. The crate replaces that type
/// with its forward-compatible `crate::Customer` (build.rs), so the generated variants are checked
/// through this stand-in of the same shape.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Customer {
    Individual(CustomerIndividual),
    Team(CustomerTeam),
}

const CUSTOMER_ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
const ORGANIZATION_ID: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

/// The 201 example of Polar's API documentation (create customer) with its placeholders filled in.
fn seed_example() -> Value {
    json!({
        "id": CUSTOMER_ID,
        "created_at": "2023-11-07T05:31:56Z",
        "modified_at": "2023-11-07T05:31:56Z",
        "metadata": {},
        "email": "customer@example.com",
        "email_verified": true,
        "type": "individual",
        "name": "John Doe",
        "billing_address": {
            "country": "AD",
            "line1": "Carrer Major 1",
            "line2": "2n 1a",
            "postal_code": "AD500",
            "city": "Andorra la Vella",
            "state": "AD-07"
        },
        "tax_id": ["911144442", "us_ein"],
        "organization_id": ORGANIZATION_ID,
        "deleted_at": "2023-11-07T05:31:56Z",
        "avatar_url": "https://www.gravatar.com/avatar/xxx?d=404",
        "external_id": "usr_1337",
        "locale": "en"
    })
}

#[test]
fn seed_example_decodes_as_individual() {
    let customer: Customer = serde_json::from_value(seed_example()).unwrap();
    let Customer::Individual(c) = customer else {
        panic!("expected an individual customer")
    };
    assert_eq!(c.id.to_string(), CUSTOMER_ID);
    assert_eq!(c.email, "customer@example.com");
    assert_eq!(
        c.tax_id,
        Some(["911144442".to_string(), "us_ein".to_string()])
    );
    let address = c.billing_address.unwrap();
    assert_eq!(address.country, CountryAlpha2::Ad);
    assert_eq!(address.city.as_deref(), Some("Andorra la Vella"));
    assert_eq!(c.organization_id.to_string(), ORGANIZATION_ID);
    assert!(c.deleted_at.is_some());
    assert!(
        c.billing_name.is_none(),
        "absent nullable field decodes as None"
    );
}

#[test]
fn individual_with_every_field_decodes() {
    let body = json!({
        "id": CUSTOMER_ID,
        "created_at": "2026-04-01T12:00:00.123456Z",
        "modified_at": null,
        "metadata": {"plan": "pro", "seats": 3, "ratio": 2.5, "beta": true},
        "external_id": "usr_1337",
        "email": "customer@example.com",
        "email_verified": false,
        "type": "individual",
        "name": "John Doe",
        "billing_name": "John Doe Ltd",
        "billing_address": {"country": "US", "line1": "1 Main St", "line2": null,
                            "postal_code": "94105", "city": "San Francisco", "state": "US-CA"},
        "tax_id": ["911144442", "us_ein"],
        "locale": "en-US",
        "organization_id": ORGANIZATION_ID,
        "default_payment_method_id": "5a1f0a36-2c3e-4d6f-9b7c-0e1d2c3b4a59",
        "deleted_at": null,
        "first_user_event_at": "2026-04-02T08:30:00Z",
        "avatar_url": "https://www.gravatar.com/avatar/abc?d=404"
    });
    let Customer::Individual(c) = serde_json::from_value(body).unwrap() else {
        panic!("expected individual")
    };
    assert_eq!(c.billing_name.as_deref(), Some("John Doe Ltd"));
    assert!(c.modified_at.is_none());
    assert!(c.first_user_event_at.is_some());
    assert!(c.default_payment_method_id.is_some());
    assert_eq!(c.billing_address.unwrap().country, CountryAlpha2::Us);
    let metadata = &c.metadata.0;
    assert!(matches!(metadata["plan"], MetadataOutputTypeValue::String(ref s) if s == "pro"));
    assert!(matches!(
        metadata["seats"],
        MetadataOutputTypeValue::Integer(3)
    ));
    assert!(matches!(metadata["ratio"], MetadataOutputTypeValue::Number(r) if r == 2.5));
    assert!(matches!(
        metadata["beta"],
        MetadataOutputTypeValue::Boolean(true)
    ));
}

#[test]
fn team_customer_without_email_decodes_as_team() {
    let body = json!({
        "id": CUSTOMER_ID,
        "created_at": "2026-04-01T12:00:00.123456Z",
        "modified_at": null,
        "metadata": {},
        "external_id": "team_42",
        "email": null,
        "email_verified": false,
        "type": "team",
        "name": "Acme Inc",
        "billing_name": "Acme Inc",
        "billing_address": {"country": "DE", "line1": null, "line2": null, "postal_code": null,
                            "city": null, "state": null},
        "tax_id": null,
        "locale": null,
        "organization_id": ORGANIZATION_ID,
        "default_payment_method_id": null,
        "deleted_at": null,
        "first_user_event_at": null,
        "avatar_url": null
    });
    let Customer::Team(c) = serde_json::from_value(body).unwrap() else {
        panic!("expected a team customer")
    };
    assert_eq!(c.email, None);
    assert_eq!(c.name.as_deref(), Some("Acme Inc"));
    assert_eq!(c.billing_address.unwrap().country, CountryAlpha2::De);
}

#[test]
fn individual_body_is_not_mistaken_for_team_and_vice_versa() {
    let mut team = seed_example();
    team["type"] = json!("team");
    assert!(matches!(
        serde_json::from_value::<Customer>(team).unwrap(),
        Customer::Team(_)
    ));
    let mut unknown = seed_example();
    unknown["type"] = json!("company");
    assert!(serde_json::from_value::<Customer>(unknown).is_err());
}

/// Whether `word` carries typify's `X` for a character it could not use (`-created_at` →
/// `XcreatedXat`, `-email` → `Xemail`): an `X` right after a lowercase letter, or a leading `X`
/// before a lowercase letter or digit.
fn typify_escape(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    let after_lowercase = chars
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1] == 'X');
    let leading = chars.first() == Some(&'X')
        && chars
            .get(1)
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    after_lowercase || leading
}

#[test]
fn the_placeholder_scan_recognises_typify_escapes() {
    for escaped in ["XcreatedXat", "CreatedXat", "Xemail", "X2xx"] {
        assert!(typify_escape(escaped), "{escaped}");
    }
    for clean in [
        "CustomerIndividualCreate",
        "CountryAlpha2",
        "TaxIdFormat",
        "XML",
        "X",
    ] {
        assert!(!typify_escape(clean), "{clean}");
    }
}

/// The generated source, as build.rs wrote it.
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/polar_generated.rs"));

#[test]
fn no_generated_name_is_a_typify_placeholder() {
    let names: Vec<&str> = GENERATED
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("pub struct ")
                .or_else(|| line.strip_prefix("pub enum "))?;
            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
        })
        .collect();
    assert!(
        names.contains(&"CustomerIndividualCreate"),
        "the scan sees the generated types"
    );
    let placeholder = |word: &str| {
        ["Variant", "Subtype"].iter().any(|p| {
            word.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        }) || typify_escape(word)
    };
    for word in GENERATED.split(|c: char| !c.is_alphanumeric() && c != '_') {
        assert!(
            !placeholder(word),
            "typify placeholder name `{word}` in the generated code"
        );
    }
    for shared in ["Type", "Name", "Metadata", "Error"] {
        assert!(
            !names.contains(&shared),
            "a title-derived shared name `{shared}` was generated"
        );
    }
}
