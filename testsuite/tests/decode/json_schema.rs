//! The `schemars` feature: every public model type has a JSON Schema, and real values serialize to
//! JSON that their schema accepts (checked with a small hand-written validator below).
#![cfg(feature = "schemars")]

use polar_client::{
    Address, Country, Customer, CustomerKind, MetadataValue, NewAddress, NewCustomer, Owner, TaxId,
    TaxIdFormat,
};
use schemars::{JsonSchema, schema_for};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::fixtures;

/// The schema of `T` as plain JSON.
fn schema<T: JsonSchema>() -> Value {
    schema_for!(T).to_value()
}

/// The problems found validating `value` against `root` (empty when it is accepted). Supports the
/// keywords schemars emits for our types: `$ref`, `type`, `properties`, `required`,
/// `additionalProperties`, `prefixItems`/`minItems`/`maxItems`, `anyOf`, `if`/`then`, `const`,
/// and `oneOf`/`not` of the hand-written request schemas.
fn problems(root: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(root, root, value, "$", &mut found);
    found
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            found.push(format!("{at}: nothing is allowed here"));
        }
        return;
    };
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.strip_prefix("#/$defs/").unwrap();
        check(root, &root["$defs"][name], value, at, found);
    }
    if let Some(kinds) = schema.get("type") {
        let kinds: Vec<&str> = match kinds {
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            other => vec![other.as_str().unwrap()],
        };
        if !kinds.iter().any(|kind| has_type(value, kind)) {
            found.push(format!("{at}: {value} is not of type {kinds:?}"));
        }
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        found.push(format!("{at}: {value} is not {expected}"));
    }
    if let Some(object) = value.as_object() {
        check_object(root, schema, object, at, found);
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as u64;
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        if len < min || len > max {
            found.push(format!("{at}: {len} items, expected {min}..={max}"));
        }
        let prefix = schema.get("prefixItems").and_then(Value::as_array);
        for (i, (item, item_schema)) in items.iter().zip(prefix.into_iter().flatten()).enumerate() {
            check(root, item_schema, item, &format!("{at}[{i}]"), found);
        }
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let accepted = options.iter().any(|option| {
            let mut nested = Vec::new();
            check(root, option, value, at, &mut nested);
            nested.is_empty()
        });
        if !accepted {
            found.push(format!("{at}: {value} matches none of anyOf"));
        }
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let accepted = options
            .iter()
            .filter(|option| problems_at(root, option, value, at).is_empty())
            .count();
        if accepted != 1 {
            found.push(format!("{at}: {value} matches {accepted} of oneOf"));
        }
    }
    if let Some(negated) = schema.get("not")
        && problems_at(root, negated, value, at).is_empty()
    {
        found.push(format!("{at}: {value} matches what `not` forbids"));
    }
    if let (Some(condition), Some(then)) = (schema.get("if"), schema.get("then")) {
        let mut nested = Vec::new();
        check(root, condition, value, at, &mut nested);
        if nested.is_empty() {
            check(root, then, value, at, found);
        }
    }
}

/// The problems of `value` against a sub-schema, without adding them to the caller's.
fn problems_at(root: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut nested = Vec::new();
    check(root, schema, value, at, &mut nested);
    nested
}

fn check_object(
    root: &Value,
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
    found: &mut Vec<String>,
) {
    for key in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = key.as_str().unwrap();
        if !object.contains_key(key) {
            found.push(format!("{at}: missing required `{key}`"));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (key, field) in object {
        let path = format!("{at}.{key}");
        match properties.and_then(|p| p.get(key)) {
            Some(field_schema) => check(root, field_schema, field, &path, found),
            None => match schema.get("additionalProperties") {
                Some(extra) => check(root, extra, field, &path, found),
                // Only a schema that lists properties is expected to know every key.
                None if properties.is_some() => found.push(format!("{path}: not in the schema")),
                None => {}
            },
        }
    }
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unexpected type {other}"),
    }
}

/// Serializes `value` and asserts its own schema accepts the JSON.
fn assert_accepted<T: JsonSchema + Serialize>(value: &T) -> Value {
    let json = serde_json::to_value(value).unwrap();
    let found = problems(&schema::<T>(), &json);
    assert!(found.is_empty(), "{json} rejected: {found:#?}");
    json
}

/// A full individual as Polar returns it.
fn full_customer() -> Customer {
    serde_json::from_value(fixtures::individual_201()).unwrap()
}

/// The customer from Polar's API documentation (create customer), as a request.
fn seed_new_customer() -> NewCustomer {
    NewCustomer::individual("customer@example.com")
        .name("John Doe")
        .external_id("usr_1337")
        .billing_address(NewAddress::new(Country::US))
        .locale("en")
        .organization_id("1dbfc517-0bbf-4301-9ba8-555ca42b9737")
        .owner(
            Owner::new("member@example.com")
                .name("Jane Doe")
                .external_id("usr_1337"),
        )
}

#[test]
fn open_enums_are_string_schemas_listing_known_codes_as_examples() {
    for (schema, known) in [
        (schema::<Country>(), "US"),
        (schema::<TaxIdFormat>(), "us_ein"),
        (schema::<CustomerKind>(), "team"),
    ] {
        assert_eq!(schema["type"], "string", "{schema}");
        assert!(schema.get("enum").is_none(), "not a closed enum: {schema}");
        assert!(
            schema["examples"]
                .as_array()
                .unwrap()
                .contains(&json!(known))
        );
        assert!(
            problems(&schema, &json!("XK")).is_empty(),
            "unknown codes are accepted"
        );
        assert!(!problems(&schema, &json!(1)).is_empty());
    }
    assert_eq!(
        schema::<Country>()["examples"].as_array().unwrap().len(),
        249
    );
    assert_accepted(&Country::Other("XK".into()));
    assert_accepted(&TaxIdFormat::EuVat);
    assert_accepted(&CustomerKind::Individual);
}

#[test]
fn tax_id_is_a_value_format_pair() {
    let schema = schema::<TaxId>();
    assert_eq!(schema["type"], "array");
    assert_eq!(
        (schema["minItems"].as_u64(), schema["maxItems"].as_u64()),
        (Some(2), Some(2))
    );
    let tax_id = full_customer().tax_id().cloned().unwrap();
    assert_eq!(assert_accepted(&tax_id), json!(["911144442", "us_ein"]));
    for wrong in [
        json!(["911144442"]),
        json!({ "value": "x" }),
        json!([1, "us_ein"]),
    ] {
        assert!(!problems(&schema, &wrong).is_empty(), "{wrong} accepted");
    }
}

#[test]
fn metadata_value_is_a_bare_scalar() {
    let schema = schema::<MetadataValue>();
    for value in [
        MetadataValue::from("pro"),
        MetadataValue::from(3),
        MetadataValue::from(2.5),
        MetadataValue::from(true),
    ] {
        assert_accepted(&value);
    }
    for wrong in [json!(null), json!([1]), json!({ "a": 1 })] {
        assert!(!problems(&schema, &wrong).is_empty(), "{wrong} accepted");
    }
}

#[test]
fn new_customer_schema_is_the_request_body() {
    let schema = schema::<NewCustomer>();
    assert_eq!(schema["required"], json!(["type"]));
    let properties = schema["properties"].as_object().unwrap();

    let seed = assert_accepted(&seed_new_customer());
    for key in seed.as_object().unwrap().keys() {
        assert!(
            properties.contains_key(key),
            "`{key}` missing from the schema"
        );
    }
    let team = NewCustomer::team()
        .name("Acme Inc.")
        .owner(Owner::new("admin@acme.test"))
        .tax_id("DE123456789")
        .billing_address(NewAddress::new(Country::DE).city("Berlin"))
        .metadata("plan", "pro")
        .metadata("seats", 12)
        .metadata("ratio", 0.5)
        .metadata("trial", false);
    assert_accepted(&team);

    // An individual needs its email; a team does not; `type` is always needed.
    assert!(problems(&schema, &json!({ "type": "team" })).is_empty());
    assert_eq!(
        problems(&schema, &json!({ "type": "individual" })),
        ["$: missing required `email`"]
    );
    assert_eq!(
        problems(&schema, &json!({ "email": "a@b.test" })),
        ["$: missing required `type`"]
    );
    assert!(!problems(&schema, &json!({ "type": "team", "metadata": { "a": [] } })).is_empty());
}

#[test]
fn owner_and_address_schemas_require_their_key_field() {
    assert_eq!(schema::<Owner>()["required"], json!(["email"]));
    assert_eq!(schema::<Address>()["required"], json!(["country"]));
    assert_accepted(&Owner::new("member@example.com").name("Jane Doe"));
    assert_accepted(
        &NewAddress::new(Country::US)
            .line1("1 Main Street")
            .state("CA"),
    );
}

#[test]
fn customer_schema_accepts_what_customers_serialize_to() {
    let schema = schema::<Customer>();
    assert_eq!(
        schema["required"],
        json!(["id", "created_at", "organization_id"])
    );
    // The lenient readers are described by the shape Polar normally sends.
    assert_eq!(schema["properties"]["email_verified"]["type"], "boolean");
    assert_eq!(schema["properties"]["metadata"]["type"], "object");

    let full = assert_accepted(&full_customer());
    let properties = schema["properties"].as_object().unwrap();
    for key in full.as_object().unwrap().keys() {
        assert!(
            properties.contains_key(key),
            "`{key}` missing from the schema"
        );
    }
    assert_eq!(properties.len(), full.as_object().unwrap().len());

    // The documented 201 example (placeholders, a `tax_id` object that decodes as `None`).
    let seed: Customer = serde_json::from_str(fixtures::DOCUMENTED_201).unwrap();
    let written = assert_accepted(&seed);
    assert_eq!(written["tax_id"], Value::Null);
}

#[test]
fn lifecycle_response_schemas_accept_what_the_types_serialize_to() {
    use fixtures::lifecycle;
    use polar_client::{
        BenefitType, CustomerSession, CustomerState, Member, MemberRole, RecurringInterval,
        SubscriptionStatus,
    };

    let state: CustomerState = serde_json::from_value(lifecycle::individual_state()).unwrap();
    let written = assert_accepted(&state);
    let state_schema = schema::<CustomerState>();
    let properties = state_schema["properties"].as_object().unwrap();
    for key in written.as_object().unwrap().keys() {
        assert!(
            properties.contains_key(key),
            "`{key}` missing from the state schema"
        );
    }
    // The customer's fields sit at the top level, as Polar writes them.
    assert!(properties.contains_key("email") && properties.contains_key("granted_benefits"));
    let team: CustomerState = serde_json::from_value(lifecycle::team_state()).unwrap();
    assert_accepted(&team);

    let member: Member = serde_json::from_value(lifecycle::member()).unwrap();
    assert_accepted(&member);
    let session: CustomerSession = serde_json::from_value(lifecycle::session()).unwrap();
    assert_accepted(&session);

    for (schema, known) in [
        (schema::<SubscriptionStatus>(), "trialing"),
        (schema::<RecurringInterval>(), "month"),
        (schema::<BenefitType>(), "meter_credit"),
        (schema::<MemberRole>(), "billing_manager"),
    ] {
        assert_eq!(schema["type"], "string", "{schema}");
        assert!(
            schema["examples"]
                .as_array()
                .unwrap()
                .contains(&json!(known))
        );
        assert!(problems(&schema, &json!("added_later")).is_empty());
    }
    // A wrong shape is refused: a list where the state has an object.
    assert!(!problems(&state_schema, &json!({ "granted_benefits": {} })).is_empty());
}

#[test]
fn lifecycle_request_schemas_are_the_request_bodies() {
    use polar_client::{
        CustomerUpdate, MemberUpdate, NewCustomerSession, NewMember, NewMemberRole,
    };

    let update = schema::<CustomerUpdate>();
    assert_accepted(&CustomerUpdate::new());
    let full = CustomerUpdate::new()
        .email("jane@example.org")
        .clear_name()
        .billing_address(NewAddress::new(Country::DE).city("Berlin"))
        .clear_tax_id()
        .locale("de")
        .replace_metadata([("plan", "pro")])
        .external_id("usr_1")
        .upgrade_to_team();
    let written = assert_accepted(&full);
    assert_eq!(
        written.as_object().unwrap().len(),
        update["properties"].as_object().unwrap().len(),
        "every field is in the schema"
    );
    for refused in [
        json!({ "billing_address": null }),
        json!({ "email": null }),
        json!({ "metadata": null }),
        json!({ "type": "individual" }),
        json!({ "owner": {} }),
    ] {
        assert!(
            !problems(&update, &refused).is_empty(),
            "{refused} accepted"
        );
    }

    let session = schema::<NewCustomerSession>();
    assert_accepted(
        &NewCustomerSession::for_customer("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
            .member_id("4c5b2f0e-9f5e-4b8e-8a6d-2c1f0e9d8b7a")
            .return_url("https://example.com/account"),
    );
    assert_accepted(&NewCustomerSession::for_external_id("usr_1").external_member_id("m"));
    for refused in [
        json!({}),
        json!({ "customer_id": "c", "external_customer_id": "e" }),
        json!({ "customer_id": "c", "member_id": "m", "external_member_id": "e" }),
    ] {
        assert!(
            !problems(&session, &refused).is_empty(),
            "{refused} accepted"
        );
    }

    assert_eq!(schema::<NewMember>()["required"], json!(["email"]));
    assert_accepted(&NewMember::new("a@example.org").role(NewMemberRole::BillingManager));
    assert_accepted(&MemberUpdate::new().name("Ann").transfer_ownership());
    let role = schema::<NewMemberRole>();
    assert!(problems(&role, &json!("billing_manager")).is_empty());
    assert!(
        !problems(&role, &json!("owner")).is_empty(),
        "owner is not a role a new member can have"
    );
}
