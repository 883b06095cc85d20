//! The lifecycle's request bodies: exactly the JSON Polar expects (a field left alone is absent, a
//! cleared one `null`), and client-side validation reporting every problem at once.

use polar_client::{
    Country, CustomerUpdate, InputProblem, MemberUpdate, MetadataValue, NewAddress,
    NewCustomerSession, NewMember, NewMemberRole,
};
use proptest::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

fn body(request: &impl Serialize) -> Value {
    serde_json::to_value(request).unwrap()
}

fn fields(problems: &[InputProblem]) -> Vec<&str> {
    problems.iter().map(InputProblem::field).collect()
}

fn problem_fields(result: Result<(), Vec<InputProblem>>) -> Vec<String> {
    result
        .err()
        .unwrap_or_default()
        .iter()
        .map(|p| p.field().to_owned())
        .collect()
}

// ---- CustomerUpdate: serialization ----

#[test]
fn an_empty_update_is_an_empty_object() {
    assert_eq!(body(&CustomerUpdate::new()), json!({}));
    assert_eq!(body(&CustomerUpdate::default()), json!({}));
}

#[test]
fn each_setter_writes_its_field_and_nothing_else() {
    let cases = [
        (
            CustomerUpdate::new().email("jane@example.org"),
            json!({ "email": "jane@example.org" }),
        ),
        (
            CustomerUpdate::new().name("Jane"),
            json!({ "name": "Jane" }),
        ),
        (
            CustomerUpdate::new().tax_id("DE123456789"),
            json!({ "tax_id": "DE123456789" }),
        ),
        (
            CustomerUpdate::new().locale("en-US"),
            json!({ "locale": "en-US" }),
        ),
        (
            CustomerUpdate::new().external_id("usr_1"),
            json!({ "external_id": "usr_1" }),
        ),
        (
            CustomerUpdate::new().upgrade_to_team(),
            json!({ "type": "team" }),
        ),
        (
            CustomerUpdate::new().billing_address(NewAddress::new(Country::US).state("CA")),
            json!({ "billing_address": { "country": "US", "state": "CA" } }),
        ),
    ];
    for (update, expected) in cases {
        assert_eq!(body(&update), expected);
    }
}

#[test]
fn clearing_writes_null_and_only_where_polar_allows_it() {
    assert_eq!(
        body(&CustomerUpdate::new().clear_name()),
        json!({ "name": null })
    );
    assert_eq!(
        body(&CustomerUpdate::new().clear_tax_id()),
        json!({ "tax_id": null })
    );
    assert_eq!(
        body(&CustomerUpdate::new().clear_locale()),
        json!({ "locale": null })
    );
    // Metadata is never null (Polar refuses it): clearing sends an empty map.
    assert_eq!(
        body(&CustomerUpdate::new().clear_metadata()),
        json!({ "metadata": {} })
    );
}

#[test]
fn the_last_call_for_a_field_wins() {
    let update = CustomerUpdate::new().name("Jane").clear_name();
    assert_eq!(body(&update), json!({ "name": null }));
    let update = CustomerUpdate::new().clear_tax_id().tax_id("DE123456789");
    assert_eq!(body(&update), json!({ "tax_id": "DE123456789" }));
    let update = CustomerUpdate::new()
        .replace_metadata([("a", 1)])
        .replace_metadata([("b", 2)]);
    assert_eq!(
        body(&update),
        json!({ "metadata": { "b": 2 } }),
        "replaced, not merged"
    );
}

#[test]
fn replace_metadata_takes_any_values_and_sends_the_whole_map() {
    let update = CustomerUpdate::new().replace_metadata([
        ("plan", MetadataValue::from("pro")),
        ("seats", MetadataValue::from(12)),
        ("ratio", MetadataValue::from(0.5)),
        ("trial", MetadataValue::from(false)),
    ]);
    assert_eq!(
        body(&update),
        json!({ "metadata": { "plan": "pro", "seats": 12, "ratio": 0.5, "trial": false } })
    );
    let from_strings =
        CustomerUpdate::new().replace_metadata(vec![("plan".to_string(), "pro".to_string())]);
    assert_eq!(
        body(&from_strings),
        json!({ "metadata": { "plan": "pro" } })
    );
}

#[test]
fn a_full_update_writes_every_field_once() {
    let update = CustomerUpdate::new()
        .email("jane@example.org")
        .clear_name()
        .billing_address(
            NewAddress::new(Country::DE)
                .line1("Unter den Linden 1")
                .postal_code("10117")
                .city("Berlin"),
        )
        .tax_id("DE123456789")
        .clear_locale()
        .replace_metadata([("plan", "team")])
        .external_id("usr_1337")
        .upgrade_to_team();
    assert!(update.validate().is_ok());
    assert_eq!(
        body(&update),
        json!({
            "email": "jane@example.org",
            "name": null,
            "billing_address": {
                "country": "DE", "line1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin"
            },
            "tax_id": "DE123456789",
            "locale": null,
            "metadata": { "plan": "team" },
            "external_id": "usr_1337",
            "type": "team"
        })
    );
}

// ---- CustomerUpdate: validation ----

#[test]
fn a_valid_update_passes() {
    let update = CustomerUpdate::new()
        .email("first.last+tag@sub.example.com")
        .name("")
        .locale("es-419")
        .replace_metadata([("k", "v")]);
    assert_eq!(update.validate(), Ok(()));
    assert_eq!(CustomerUpdate::new().validate(), Ok(()));
    assert_eq!(
        CustomerUpdate::new()
            .clear_name()
            .clear_tax_id()
            .clear_locale()
            .validate(),
        Ok(())
    );
}

#[test]
fn every_update_problem_is_reported_at_once() {
    let too_many: Vec<(String, i64)> = (0..51).map(|i| (format!("k{i}"), i)).collect();
    let update = CustomerUpdate::new()
        .email("jane@@example.org")
        .name("x".repeat(257))
        .billing_address(
            NewAddress::new(Country::RU)
                .line1("a\0b")
                .state("California"),
        )
        .tax_id("")
        .locale("en_US")
        .replace_metadata(too_many)
        .external_id("");
    let problems = update.validate().unwrap_err();
    assert_eq!(
        fields(&problems),
        [
            "email",
            "name",
            "billing_address.country",
            "billing_address.line1",
            "tax_id",
            "locale",
            "metadata",
            "external_id",
        ]
    );
    assert!(problems[1].message().contains("257"), "{}", problems[1]);
    assert!(problems[2].message().contains("RU"), "{}", problems[2]);
    assert!(
        problems[4].message().contains("must not be empty"),
        "{}",
        problems[4]
    );
}

#[test]
fn update_metadata_entries_are_checked_like_on_create() {
    let update = CustomerUpdate::new().replace_metadata([
        ("", MetadataValue::from("empty key")),
        (&*"k".repeat(41), MetadataValue::from(1)),
        ("text", MetadataValue::from("")),
        ("long", MetadataValue::from("v".repeat(501))),
        ("nan", MetadataValue::from(f64::NAN)),
        ("nul", MetadataValue::from("a\0")),
        ("fine", MetadataValue::from(true)),
    ]);
    let problems = update.validate().unwrap_err();
    let mut found = fields(&problems);
    found.sort_unstable();
    let long_key = format!("metadata.{}", "k".repeat(41));
    let mut expected = vec![
        "metadata.",
        long_key.as_str(),
        "metadata.text",
        "metadata.long",
        "metadata.nan",
        "metadata.nul",
    ];
    expected.sort_unstable();
    assert_eq!(found, expected);
}

#[test]
fn an_address_outside_the_billing_list_and_a_bad_us_state_are_refused() {
    let problems = CustomerUpdate::new()
        .billing_address(NewAddress::new(Country::US).state("Calif"))
        .validate()
        .unwrap_err();
    assert_eq!(fields(&problems), ["billing_address.state"]);
    let other: Country = "xk".parse().unwrap();
    let problems = CustomerUpdate::new()
        .billing_address(NewAddress::new(other))
        .validate()
        .unwrap_err();
    assert_eq!(fields(&problems), ["billing_address.country"]);
}

// ---- NewMember ----

#[test]
fn a_new_member_writes_only_what_was_set() {
    assert_eq!(
        body(&NewMember::new("a@example.org")),
        json!({ "email": "a@example.org" })
    );
    let member = NewMember::new("a@example.org")
        .name("Ann")
        .external_id("usr_9")
        .role(NewMemberRole::Member);
    assert_eq!(
        body(&member),
        json!({ "email": "a@example.org", "name": "Ann", "external_id": "usr_9", "role": "member" })
    );
    assert_eq!(
        body(&NewMember::new("b@example.org").role(NewMemberRole::BillingManager))["role"],
        json!("billing_manager")
    );
    assert_eq!(NewMemberRole::default(), NewMemberRole::Member);
}

#[test]
fn every_new_member_problem_is_reported_at_once() {
    assert_eq!(NewMember::new("a@example.org").validate(), Ok(()));
    let problems = NewMember::new("")
        .name("n".repeat(300))
        .external_id("a\0b")
        .validate()
        .unwrap_err();
    assert_eq!(fields(&problems), ["email", "name", "external_id"]);
    assert!(problems[2].message().contains("NUL"), "{}", problems[2]);
}

// ---- MemberUpdate ----

#[test]
fn a_member_update_writes_only_what_changes() {
    assert_eq!(body(&MemberUpdate::new()), json!({}));
    let update = MemberUpdate::new()
        .name("Ann Lee")
        .email("ann@example.org")
        .role(NewMemberRole::Member);
    assert_eq!(
        body(&update),
        json!({ "name": "Ann Lee", "email": "ann@example.org", "role": "member" })
    );
    assert_eq!(
        body(&MemberUpdate::new().transfer_ownership()),
        json!({ "role": "owner" })
    );
}

#[test]
fn every_member_update_problem_is_reported_at_once() {
    assert_eq!(MemberUpdate::new().validate(), Ok(()));
    assert_eq!(MemberUpdate::new().transfer_ownership().validate(), Ok(()));
    let problems = MemberUpdate::new()
        .name("   ")
        .email("ann")
        .validate()
        .unwrap_err();
    assert_eq!(fields(&problems), ["name", "email"]);
    assert!(
        problems[0].message().contains("cannot be removed"),
        "{}",
        problems[0]
    );
    assert_eq!(
        fields(
            &MemberUpdate::new()
                .name("x".repeat(257))
                .validate()
                .unwrap_err()
        ),
        ["name"]
    );
}

// ---- NewCustomerSession ----

const CUSTOMER_ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
const MEMBER_ID: &str = "4c5b2f0e-9f5e-4b8e-8a6d-2c1f0e9d8b7a";

#[test]
fn a_session_names_exactly_one_customer() {
    assert_eq!(
        body(&NewCustomerSession::for_customer(CUSTOMER_ID)),
        json!({ "customer_id": CUSTOMER_ID })
    );
    assert_eq!(
        body(&NewCustomerSession::for_external_id("usr_1337")),
        json!({ "external_customer_id": "usr_1337" })
    );
}

#[test]
fn a_session_names_at_most_one_member_the_last_given() {
    let by_id = NewCustomerSession::for_customer(CUSTOMER_ID)
        .external_member_id("usr_42")
        .member_id(MEMBER_ID)
        .return_url("https://example.com/account");
    assert_eq!(
        body(&by_id),
        json!({ "customer_id": CUSTOMER_ID, "member_id": MEMBER_ID, "return_url": "https://example.com/account" })
    );
    let by_external = NewCustomerSession::for_external_id("usr_1337")
        .member_id(MEMBER_ID)
        .external_member_id("usr_42");
    assert_eq!(
        body(&by_external),
        json!({ "external_customer_id": "usr_1337", "external_member_id": "usr_42" })
    );
}

#[test]
fn valid_sessions_pass() {
    for session in [
        NewCustomerSession::for_customer(CUSTOMER_ID),
        NewCustomerSession::for_customer(CUSTOMER_ID.to_uppercase()).member_id(MEMBER_ID),
        NewCustomerSession::for_external_id("usr_1337").external_member_id("m"),
        NewCustomerSession::for_external_id("usr_1337")
            .return_url("http://localhost:8080/back?x=1"),
        NewCustomerSession::for_external_id("u")
            .return_url(format!("https://example.com/{}", "a".repeat(2063))),
    ] {
        assert_eq!(session.validate(), Ok(()), "{session:?}");
    }
}

#[test]
fn every_session_problem_is_reported_at_once() {
    let problems = NewCustomerSession::for_customer("usr_1337")
        .member_id("not-a-uuid")
        .return_url("ftp://example.com/")
        .validate()
        .unwrap_err();
    assert_eq!(
        fields(&problems),
        ["customer_id", "member_id", "return_url"]
    );

    let problems = NewCustomerSession::for_external_id("")
        .external_member_id("")
        .return_url(format!("https://example.com/{}", "a".repeat(2064)))
        .validate()
        .unwrap_err();
    assert_eq!(
        fields(&problems),
        ["external_customer_id", "external_member_id", "return_url"]
    );
    assert!(problems[2].message().contains("2084"), "{}", problems[2]);
}

#[test]
fn a_customer_id_must_be_a_version_4_uuid() {
    // A version-1 UUID: well-formed, but Polar's customer IDs are version 4.
    let v1 = "c232ab00-9414-11ec-b3c8-9f6bdeced846";
    let problems = NewCustomerSession::for_customer(v1).validate().unwrap_err();
    assert_eq!(fields(&problems), ["customer_id"]);
    assert!(
        problems[0].message().contains("version-4"),
        "{}",
        problems[0]
    );
    // A member ID may be any UUID.
    assert_eq!(
        NewCustomerSession::for_customer(CUSTOMER_ID)
            .member_id(v1)
            .validate(),
        Ok(())
    );
}

#[test]
fn return_urls_must_be_absolute_web_urls() {
    for bad in [
        "",
        "/account",
        "example.com",
        "https://",
        "mailto:a@example.com",
        "javascript:alert(1)",
        "https://exa\0mple.com",
    ] {
        let result = NewCustomerSession::for_customer(CUSTOMER_ID)
            .return_url(bad)
            .validate();
        assert_eq!(problem_fields(result), ["return_url"], "{bad:?}");
    }
}

// ---- Any sequence of builder calls ----

/// One call on a `CustomerUpdate` builder.
#[derive(Clone, Debug)]
enum Call {
    Email(String),
    Name(String),
    ClearName,
    Address,
    TaxId(String),
    ClearTaxId,
    Locale(String),
    ClearLocale,
    Metadata(Vec<(String, i64)>),
    ClearMetadata,
    ExternalId(String),
    UpgradeToTeam,
}

fn any_call() -> impl Strategy<Value = Call> {
    prop_oneof![
        ".{0,8}".prop_map(Call::Email),
        ".{0,8}".prop_map(Call::Name),
        Just(Call::ClearName),
        Just(Call::Address),
        ".{0,8}".prop_map(Call::TaxId),
        Just(Call::ClearTaxId),
        ".{0,8}".prop_map(Call::Locale),
        Just(Call::ClearLocale),
        prop::collection::vec((".{0,4}", any::<i64>()), 0..3).prop_map(Call::Metadata),
        Just(Call::ClearMetadata),
        ".{0,8}".prop_map(Call::ExternalId),
        Just(Call::UpgradeToTeam),
    ]
}

fn apply(update: CustomerUpdate, call: Call) -> CustomerUpdate {
    match call {
        Call::Email(v) => update.email(v),
        Call::Name(v) => update.name(v),
        Call::ClearName => update.clear_name(),
        Call::Address => update.billing_address(NewAddress::new(Country::FR)),
        Call::TaxId(v) => update.tax_id(v),
        Call::ClearTaxId => update.clear_tax_id(),
        Call::Locale(v) => update.locale(v),
        Call::ClearLocale => update.clear_locale(),
        Call::Metadata(entries) => update.replace_metadata(entries),
        Call::ClearMetadata => update.clear_metadata(),
        Call::ExternalId(v) => update.external_id(v),
        Call::UpgradeToTeam => update.upgrade_to_team(),
    }
}

proptest! {
    /// Whatever the caller does, the body only holds what Polar accepts: known keys, `null` only
    /// for the three clearable fields, a metadata object, an address object, `type` only `team`.
    #[test]
    fn any_builder_sequence_writes_only_what_polar_accepts(
        calls in prop::collection::vec(any_call(), 0..12),
    ) {
        let update = calls.into_iter().fold(CustomerUpdate::new(), apply);
        let written = body(&update);
        let object = written.as_object().unwrap();
        for (key, value) in object {
            match key.as_str() {
                "name" | "tax_id" | "locale" => {
                    prop_assert!(value.is_string() || value.is_null(), "{key}: {value}")
                }
                "email" | "external_id" => prop_assert!(value.is_string(), "{key}: {value}"),
                "metadata" | "billing_address" => {
                    prop_assert!(value.is_object(), "{key}: {value}")
                }
                "type" => prop_assert_eq!(value, &json!("team")),
                other => prop_assert!(false, "unexpected key {other}"),
            }
        }
    }
}
