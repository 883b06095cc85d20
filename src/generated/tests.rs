//! Tests of the generated code: the request models serialize what Polar expects, and no generated
//! name is one of typify's placeholders. (Responses decode into the crate's own types, replaced in
//! build.rs, and are tested there.)

use std::collections::HashMap;

use serde_json::{Value, json};

use super::types::{
    AddressInput, CountryAlpha2Input, CustomerCreate, CustomerIndividualCreate,
    CustomerIndividualCreateType, CustomerTeamCreate, CustomerTeamCreateMetadataValue,
    CustomerTeamCreateType, MemberOwnerCreate,
};

const ORGANIZATION_ID: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

#[test]
fn seed_request_serializes_to_what_the_server_expects() {
    let body = CustomerCreate::IndividualCreate(CustomerIndividualCreate {
        billing_address: Some(AddressInput {
            city: None,
            country: CountryAlpha2Input::Us,
            line1: None,
            line2: None,
            postal_code: None,
            state: None,
        }),
        email: "customer@example.com".to_string(),
        external_id: Some("usr_1337".to_string()),
        locale: Some("en".to_string()),
        metadata: HashMap::new(),
        name: Some("John Doe".parse().unwrap()),
        organization_id: Some(ORGANIZATION_ID.parse().unwrap()),
        owner: Some(MemberOwnerCreate {
            email: "member@example.com".to_string(),
            external_id: Some("usr_1337".to_string()),
            name: Some("Jane Doe".parse().unwrap()),
        }),
        tax_id: None,
        type_: CustomerIndividualCreateType::Individual,
    });
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "billing_address": {"country": "US"},
            "email": "customer@example.com",
            "external_id": "usr_1337",
            "locale": "en",
            "name": "John Doe",
            "organization_id": ORGANIZATION_ID,
            "owner": {"email": "member@example.com", "external_id": "usr_1337", "name": "Jane Doe"},
            "type": "individual"
        })
    );
}

#[test]
fn team_request_sends_its_type_and_metadata() {
    let metadata = HashMap::from([
        (
            "plan".to_string(),
            CustomerTeamCreateMetadataValue::String("pro".parse().unwrap()),
        ),
        (
            "seats".to_string(),
            CustomerTeamCreateMetadataValue::Integer(3),
        ),
    ]);
    let body = CustomerCreate::TeamCreate(CustomerTeamCreate {
        billing_address: None,
        email: None,
        external_id: Some("team_42".to_string()),
        locale: None,
        metadata,
        name: Some("Acme Inc".parse().unwrap()),
        organization_id: None,
        owner: Some(MemberOwnerCreate {
            email: "owner@acme.test".to_string(),
            external_id: None,
            name: None,
        }),
        tax_id: None,
        type_: CustomerTeamCreateType::Team,
    });
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"external_id": "team_42", "metadata": {"plan": "pro", "seats": 3}, "name": "Acme Inc",
               "owner": {"email": "owner@acme.test"}, "type": "team"})
    );
}

#[test]
fn request_newtypes_enforce_spec_limits() {
    assert!(
        "x".repeat(256)
            .parse::<super::types::CustomerIndividualCreateName>()
            .is_ok()
    );
    assert!(
        "x".repeat(257)
            .parse::<super::types::CustomerIndividualCreateName>()
            .is_err()
    );
    assert!(
        "".parse::<super::types::CustomerIndividualCreateMetadataValueString>()
            .is_err()
    );
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

/// The words (identifiers, keywords, numbers) of Rust source, string literals left out: the doc
/// attributes' prose is not code, and its escapes (`\nXml`) would read as typify escapes.
fn code_words(source: &str) -> Vec<&str> {
    let (mut words, mut start, mut in_string, mut escaped) = (Vec::new(), None, false, false);
    for (at, c) in source.char_indices() {
        if in_string {
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
        } else if c.is_alphanumeric() || c == '_' {
            start.get_or_insert(at);
        } else {
            words.extend(start.take().map(|from| &source[from..at]));
            in_string = c == '"';
        }
    }
    words.extend(start.map(|from| &source[from..]));
    words
}

#[test]
fn code_words_skip_string_literals() {
    assert_eq!(
        code_words(r#"#[doc = "a \"Xb\" \\"] pub struct Name_1{x:u8}"#),
        ["doc", "pub", "struct", "Name_1", "x", "u8"]
    );
}

#[test]
fn no_generated_name_is_a_typify_placeholder() {
    let words = code_words(GENERATED);
    let names: Vec<&str> = words
        .windows(2)
        .filter(|pair| ["struct", "enum"].contains(&pair[0]))
        .map(|pair| pair[1])
        .collect();
    assert!(
        names.contains(&"ListResourceCustomer"),
        "the scan sees the generated types"
    );
    let placeholder = |word: &str| {
        ["Variant", "Subtype"].iter().any(|p| {
            word.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        }) || typify_escape(word)
    };
    for &word in &words {
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
