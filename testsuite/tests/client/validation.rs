//! `NewCustomer::validate`: every client-side rule, valid and invalid, with its exact field path, and
//! all problems reported together.

use polar_client::{Country, InputProblem, NewAddress, NewCustomer, Owner};

const ORG: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

fn problems(customer: &NewCustomer) -> Vec<InputProblem> {
    customer.validate().err().unwrap_or_default()
}

fn fields(customer: &NewCustomer) -> Vec<String> {
    problems(customer)
        .iter()
        .map(|p| p.field().to_owned())
        .collect()
}

/// The single problem reported, which must be at `field`; returns its message.
fn only_problem(customer: &NewCustomer, field: &str) -> String {
    let found = problems(customer);
    assert_eq!(
        found.len(),
        1,
        "expected one problem at {field}, got {found:?}"
    );
    assert_eq!(found[0].field(), field);
    found[0].message().to_owned()
}

fn person() -> NewCustomer {
    NewCustomer::individual("customer@example.com")
}

#[test]
fn the_documented_example_is_valid() {
    let customer = person()
        .name("John Doe")
        .external_id("usr_1337")
        .billing_address(NewAddress::new(Country::US))
        .locale("en")
        .organization_id(ORG)
        .owner(
            Owner::new("member@example.com")
                .name("Jane Doe")
                .external_id("usr_1337"),
        );
    assert_eq!(customer.validate(), Ok(()));
}

#[test]
fn individual_email_is_required_and_checked() {
    let message = only_problem(&NewCustomer::individual(""), "email");
    assert!(message.contains("required"), "{message}");
    for bad in [
        "plain",
        "a@b",
        "two@@example.com",
        "a b@example.com",
        "@example.com",
    ] {
        assert_eq!(fields(&NewCustomer::individual(bad)), ["email"], "{bad}");
    }
    let long_local = format!("{}@example.com", "a".repeat(65));
    assert!(only_problem(&NewCustomer::individual(long_local), "email").contains("at most 64"));
    let long = format!("a@{}.com", "b".repeat(250));
    let message = only_problem(&NewCustomer::individual(long), "email");
    assert!(
        message.contains("256 characters") && message.contains("254"),
        "{message}"
    );
    assert!(
        NewCustomer::individual("first.last+tag@mail.example.co.uk")
            .validate()
            .is_ok()
    );
}

#[test]
fn owner_email_is_checked() {
    let customer = person().owner(Owner::new("not an email"));
    only_problem(&customer, "owner.email");
    assert!(
        person()
            .owner(Owner::new("member@example.com"))
            .validate()
            .is_ok()
    );
}

#[test]
fn names_are_limited_to_256_characters_not_bytes() {
    let fits = "é".repeat(256); // 512 bytes, 256 characters
    assert!(person().name(fits.clone()).validate().is_ok());
    assert!(
        person()
            .owner(Owner::new("m@example.com").name(fits))
            .validate()
            .is_ok()
    );

    let message = only_problem(&person().name("x".repeat(257)), "name");
    assert!(
        message.contains("257") && message.contains("256"),
        "{message}"
    );
    only_problem(
        &person().owner(Owner::new("m@example.com").name("y".repeat(300))),
        "owner.name",
    );
}

#[test]
fn empty_identifiers_are_refused_but_empty_names_pass() {
    let message = only_problem(&person().external_id(""), "external_id");
    assert!(message.contains("must not be empty"), "{message}");
    only_problem(
        &person().owner(Owner::new("m@example.com").external_id("")),
        "owner.external_id",
    );
    only_problem(
        &person()
            .billing_address(NewAddress::new(Country::DE))
            .tax_id(""),
        "tax_id",
    );
    assert!(person().name("").validate().is_ok());
}

#[test]
fn metadata_limits() {
    let mut fifty = person();
    for i in 0..50 {
        fifty = fifty.metadata(format!("k{i}"), i);
    }
    assert!(fifty.validate().is_ok());
    let message = only_problem(&fifty.metadata("one_more", true), "metadata");
    assert!(
        message.contains("51") && message.contains("50"),
        "{message}"
    );

    assert!(person().metadata("k".repeat(40), "v").validate().is_ok());
    let long_key = "k".repeat(41);
    let message = only_problem(
        &person().metadata(long_key.clone(), "v"),
        &format!("metadata.{long_key}"),
    );
    assert!(
        message.contains("41") && message.contains("40"),
        "{message}"
    );
    only_problem(&person().metadata("", "v"), "metadata.");

    assert!(
        person()
            .metadata("plan", "x".repeat(500))
            .validate()
            .is_ok()
    );
    let message = only_problem(&person().metadata("plan", "x".repeat(501)), "metadata.plan");
    assert!(
        message.contains("501") && message.contains("500"),
        "{message}"
    );
    only_problem(&person().metadata("plan", ""), "metadata.plan");

    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        only_problem(&person().metadata("ratio", bad), "metadata.ratio");
    }
    let scalars = person()
        .metadata("f", 0.5)
        .metadata("i", -3)
        .metadata("u", 7u32)
        .metadata("b", false);
    assert!(scalars.validate().is_ok());
}

#[test]
fn locale_follows_polars_pattern() {
    for good in ["en", "fr-CA", "es-419", "fil"] {
        assert!(person().locale(good).validate().is_ok(), "{good}");
    }
    for bad in ["", "en_US", "english", "en-GB-oxendict", "und", "x-klingon"] {
        let message = only_problem(&person().locale(bad), "locale");
        assert!(message.contains("en-US"), "{message}");
    }
}

#[test]
fn billing_country_must_be_one_polar_bills() {
    assert!(
        person()
            .billing_address(NewAddress::new(Country::DE))
            .validate()
            .is_ok()
    );
    for blocked in [
        Country::RU,
        Country::CU,
        Country::IR,
        Country::KP,
        Country::SY,
    ] {
        let message = only_problem(
            &person().billing_address(NewAddress::new(blocked.clone())),
            "billing_address.country",
        );
        assert!(message.contains(blocked.code()), "{message}");
    }
    let unknown: Country = "xk".parse().unwrap();
    let message = only_problem(
        &person().billing_address(NewAddress::new(unknown)),
        "billing_address.country",
    );
    assert!(message.contains("`XK`"), "{message}");
}

#[test]
fn us_and_canadian_states_are_subdivision_codes() {
    for good in ["CA", "ca", "US-CA", "us-ny"] {
        assert!(
            person()
                .billing_address(NewAddress::new(Country::US).state(good))
                .validate()
                .is_ok(),
            "{good}"
        );
    }
    for bad in ["California", "C", "CA-ON", "US-", "US-CAL"] {
        only_problem(
            &person().billing_address(NewAddress::new(Country::US).state(bad)),
            "billing_address.state",
        );
    }
    assert!(
        person()
            .billing_address(NewAddress::new(Country::CA).state("CA-ON"))
            .validate()
            .is_ok()
    );
    only_problem(
        &person().billing_address(NewAddress::new(Country::CA).state("Ontario")),
        "billing_address.state",
    );
    assert!(
        person()
            .billing_address(NewAddress::new(Country::DE).state("Bavaria"))
            .validate()
            .is_ok()
    );
}

#[test]
fn nul_characters_are_refused_everywhere() {
    let nul = "a\0b";
    let cases: Vec<(NewCustomer, &str)> = vec![
        (NewCustomer::individual("a\0@example.com"), "email"),
        (person().name(nul), "name"),
        (person().external_id(nul), "external_id"),
        (
            person()
                .billing_address(NewAddress::new(Country::DE))
                .tax_id(nul),
            "tax_id",
        ),
        (person().locale("e\0"), "locale"),
        (person().organization_id(nul), "organization_id"),
        (
            person().billing_address(NewAddress::new(Country::DE).line1(nul)),
            "billing_address.line1",
        ),
        (
            person().billing_address(NewAddress::new(Country::DE).line2(nul)),
            "billing_address.line2",
        ),
        (
            person().billing_address(NewAddress::new(Country::DE).postal_code(nul)),
            "billing_address.postal_code",
        ),
        (
            person().billing_address(NewAddress::new(Country::DE).city(nul)),
            "billing_address.city",
        ),
        (
            person().billing_address(NewAddress::new(Country::DE).state(nul)),
            "billing_address.state",
        ),
        (person().owner(Owner::new("m\0@example.com")), "owner.email"),
        (
            person().owner(Owner::new("m@example.com").name(nul)),
            "owner.name",
        ),
        (
            person().owner(Owner::new("m@example.com").external_id(nul)),
            "owner.external_id",
        ),
        (person().metadata("plan", nul), "metadata.plan"),
        (person().metadata(nul, "v"), "metadata.a\\0b"),
    ];
    for (customer, field) in cases {
        let message = only_problem(&customer, field);
        assert!(message.contains("NUL"), "{field}: {message}");
    }
}

#[test]
fn tax_id_needs_a_billing_address() {
    let message = only_problem(&person().tax_id("DE123456789"), "billing_address");
    assert!(
        message.contains("country") && message.contains("tax ID"),
        "{message}"
    );
    assert!(
        person()
            .tax_id("DE123456789")
            .billing_address(NewAddress::new(Country::DE))
            .validate()
            .is_ok()
    );
}

#[test]
fn a_team_needs_an_email_or_an_owner_with_one() {
    let message = only_problem(&NewCustomer::team().name("Acme"), "owner");
    assert!(message.contains("email"), "{message}");
    assert!(
        NewCustomer::team()
            .email("team@acme.example")
            .validate()
            .is_ok()
    );
    assert!(
        NewCustomer::team()
            .owner(Owner::new("admin@acme.example"))
            .validate()
            .is_ok()
    );
    only_problem(&NewCustomer::team().owner(Owner::new("")), "owner.email");
    only_problem(&NewCustomer::team().email("not-an-email"), "email");
}

#[test]
fn organization_id_must_be_a_uuid() {
    assert!(person().organization_id(ORG).validate().is_ok());
    let message = only_problem(&person().organization_id("my-org"), "organization_id");
    assert!(message.contains("`my-org`"), "{message}");
}

#[test]
fn every_problem_is_reported_at_once_in_body_order() {
    let customer = NewCustomer::individual("nope")
        .name("n".repeat(300))
        .external_id("")
        .billing_address(NewAddress::new(Country::RU).state("x\0"))
        .locale("english")
        .organization_id("org")
        .owner(Owner::new("owner@"))
        .metadata("k".repeat(41), "")
        .metadata("ok", 1);
    let long_key = format!("metadata.{}", "k".repeat(41));
    assert_eq!(
        fields(&customer),
        [
            "email",
            "name",
            "external_id",
            "billing_address.country",
            "billing_address.state",
            "locale",
            "organization_id",
            "owner.email",
            long_key.as_str(),
            long_key.as_str(),
        ]
    );
    for problem in problems(&customer) {
        let message = problem.message();
        assert!(
            message.ends_with('.') && !message.contains(". "),
            "one sentence: {message}"
        );
        assert_eq!(
            problem.to_string(),
            format!("{}: {}", problem.field(), message)
        );
    }
}
