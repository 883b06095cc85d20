//! The customer lifecycle after create — get, update, delete/anonymize, state, list — through the
//! public API against `MockPolar` over loopback, one test per behaviour of Polar's server a client
//! can meet (pipeline rules, PATCH semantics, soft delete, paging, state decoding, lost answers).

use crate::fixtures;
use crate::support;

use std::collections::HashSet;

use futures_util::{StreamExt, TryStreamExt};
use http::Method;
use polar_client::{
    BenefitType, Country, Customer, CustomerKind, CustomerSort, CustomerUpdate, Deleted, Error,
    ListCustomers, MetadataValue, NewAddress, NewCustomer, Polar, SubscriptionStatus,
};
use polar_client_mock::{Fault, MockBenefitGrant, MockPolar, MockSubscription, Uuid};
use serde_json::json;

use support::{client, mock_with_secret};

/// A mock and a client for it.
async fn setup() -> (MockPolar, Polar) {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    (mock, polar)
}

/// `polar.customers().create(customer)`.
async fn add(polar: &Polar, customer: NewCustomer) -> Result<Customer, Error> {
    polar.customers().create(customer).await
}

/// `polar.customers().update(id, update)`.
async fn patch(polar: &Polar, id: &str, update: CustomerUpdate) -> Result<Customer, Error> {
    polar.customers().update(id, update).await
}

/// Creates an individual customer with this email and external ID.
async fn create(polar: &Polar, email: &str, external_id: &str) -> Customer {
    add(
        polar,
        NewCustomer::individual(email)
            .name("Jane")
            .external_id(external_id),
    )
    .await
    .unwrap()
}

/// The requests the mock received with this method, as `path?query`.
fn sent(mock: &MockPolar, method: &str) -> Vec<String> {
    mock.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .map(|r| r.path)
        .collect()
}

/// The fields of a client-side refusal.
fn problem_fields(err: &Error) -> Vec<&str> {
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    err.problems().iter().map(|p| p.field()).collect()
}

/// The fields of Polar's 422.
fn rejected_fields(err: &Error) -> Vec<&str> {
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    err.field_errors().iter().map(|e| e.field()).collect()
}

/// A random version-4 UUID no customer has.
fn unknown_id() -> String {
    let random = u128::from(fastrand::u64(..)) << 64 | u128::from(fastrand::u64(..));
    // Version 4 (bits 76..80) and the RFC 4122 variant (bits 62..64).
    let v4 = random & !(0xF << 76) & !(0x3 << 62) | 0x4 << 76 | 0x2 << 62;
    Uuid::from_u128(v4).to_string()
}

// ---- §0 common rules ----------------------------------------------------------------------

#[tokio::test]
async fn get_fetches_by_id_on_the_canonical_path() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    let fetched = polar.customers().get(jane.id()).await.unwrap();
    assert_eq!(fetched, jane);
    assert_eq!(sent(&mock, "GET"), [format!("/v1/customers/{}", jane.id())]);
}

#[tokio::test]
async fn ids_that_are_not_uuid_v4_or_leave_their_segment_are_refused_before_sending() {
    let (mock, polar) = setup().await;
    let customers = polar.customers();
    let v1 = "c232ab00-9414-11ec-b3c8-9f6bdeced846";
    for id in [
        "usr_1",
        "../x",
        v1,
        "",
        "992fae2a-2a17-4b7a-8d9e-e287cf90131b/state",
    ] {
        assert_eq!(
            problem_fields(&customers.get(id).await.unwrap_err()),
            ["id"],
            "{id:?}"
        );
        assert_eq!(
            problem_fields(&customers.state(id).await.unwrap_err()),
            ["id"]
        );
        assert_eq!(
            problem_fields(&customers.delete(id).await.unwrap_err()),
            ["id"]
        );
        assert_eq!(
            problem_fields(&customers.anonymize(id).await.unwrap_err()),
            ["id"]
        );
        let err = customers
            .update(id, CustomerUpdate::new())
            .await
            .unwrap_err();
        assert_eq!(problem_fields(&err), ["id"]);
    }
    for external_id in ["../x", "..", "a/b", r"a\b", "", "a\nb"] {
        let err = customers
            .state_by_external_id(external_id)
            .await
            .unwrap_err();
        assert_eq!(problem_fields(&err), ["external_id"], "{external_id:?}");
        let err = customers
            .delete_by_external_id(external_id)
            .await
            .unwrap_err();
        assert_eq!(problem_fields(&err), ["external_id"]);
        let err = customers
            .anonymize_by_external_id(external_id)
            .await
            .unwrap_err();
        assert_eq!(problem_fields(&err), ["external_id"]);
        let err = customers
            .update_by_external_id(external_id, CustomerUpdate::new())
            .await
            .unwrap_err();
        assert_eq!(problem_fields(&err), ["external_id"]);
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[tokio::test]
async fn not_found_names_what_was_looked_up() {
    let (_mock, polar) = setup().await;
    let customers = polar.customers();
    let id = unknown_id();
    let errors = [
        customers.get(&id).await.unwrap_err(),
        customers.state(&id).await.unwrap_err(),
        customers.delete(&id).await.unwrap_err(),
        customers.anonymize(&id).await.unwrap_err(),
        customers
            .update(&id, CustomerUpdate::new().name("x"))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&format!("customer with ID {id}")),
            "{err}"
        );
    }
    let errors = [
        customers.state_by_external_id("nobody").await.unwrap_err(),
        customers.delete_by_external_id("nobody").await.unwrap_err(),
        customers
            .update_by_external_id("nobody", CustomerUpdate::new())
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains(r#"customer with external ID "nobody""#),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_patch_carries_its_length_and_goes_to_the_unslashed_path() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    patch(&polar, jane.id(), CustomerUpdate::new())
        .await
        .unwrap();
    polar
        .customers()
        .update_by_external_id("usr_1", CustomerUpdate::new())
        .await
        .unwrap();
    let patches: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0].path, format!("/v1/customers/{}", jane.id()));
    // By external ID: looked up, then updated by Polar's ID (a retry can reach no one else).
    assert_eq!(patches[1].path, format!("/v1/customers/{}", jane.id()));
    for patch in patches {
        assert_eq!(patch.header("content-length"), Some("2"));
        assert_eq!(patch.body, b"{}");
    }
}

// ---- §1 PATCH semantics -------------------------------------------------------------------

#[tokio::test]
async fn an_empty_update_changes_nothing() {
    let (_mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    let same = patch(&polar, jane.id(), CustomerUpdate::new())
        .await
        .unwrap();
    assert_eq!(same.name(), Some("Jane"));
    assert_eq!(same.email(), jane.email());
    assert_eq!(same.external_id(), Some("usr_1"));
}

#[tokio::test]
async fn clearing_a_name_and_a_locale() {
    let (_mock, polar) = setup().await;
    let jane = add(
        &polar,
        NewCustomer::individual("jane@example.org")
            .name("Jane")
            .locale("de"),
    )
    .await
    .unwrap();
    let update = CustomerUpdate::new().clear_name().clear_locale();
    let cleared = patch(&polar, jane.id(), update).await.unwrap();
    assert_eq!(cleared.name(), None);
    assert_eq!(cleared.locale(), None);
    let renamed = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().name("  Jane Doe  "),
    )
    .await
    .unwrap();
    assert_eq!(renamed.name(), Some("Jane Doe"), "Polar trims names");
}

#[tokio::test]
async fn a_billing_address_is_replaced_whole_and_never_sent_as_null() {
    let (mock, polar) = setup().await;
    let jane = add(
        &polar,
        NewCustomer::individual("jane@example.org").billing_address(
            NewAddress::new(Country::DE)
                .city("Berlin")
                .postal_code("10115"),
        ),
    )
    .await
    .unwrap();
    // No update can clear the address (there is no such builder method); other changes leave it.
    let renamed = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new()
            .name("Jane")
            .clear_tax_id()
            .clear_locale(),
    )
    .await
    .unwrap();
    assert_eq!(renamed.billing_address(), jane.billing_address());
    let moved = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().billing_address(NewAddress::new(Country::FR)),
    )
    .await
    .unwrap();
    let address = moved.billing_address().unwrap();
    assert_eq!(address.country(), &Country::FR);
    assert_eq!(address.city(), None, "omitted sub-fields are cleared");
    for patch in mock.requests().into_iter().filter(|r| r.method == "PATCH") {
        let body: serde_json::Value = serde_json::from_slice(&patch.body).unwrap();
        assert_ne!(body.get("billing_address"), Some(&serde_json::Value::Null));
    }
}

#[tokio::test]
async fn an_invalid_update_is_refused_with_every_problem_before_sending() {
    let (mock, polar) = setup().await;
    let update = CustomerUpdate::new()
        .email("not-an-email")
        .locale("english")
        .external_id("");
    let err = patch(&polar, "usr_1", update.clone()).await.unwrap_err();
    assert_eq!(
        problem_fields(&err),
        ["id", "email", "locale", "external_id"]
    );
    let err = polar
        .customers()
        .update_by_external_id("a/b", update.upgrade_to_team())
        .await
        .unwrap_err();
    assert_eq!(
        problem_fields(&err),
        // The path's external ID, then the update's: empty, and not allowed by external ID.
        [
            "external_id",
            "email",
            "locale",
            "external_id",
            "external_id",
            "type"
        ]
    );
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn an_external_id_is_write_once() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    // By external ID it cannot even be written: refused client-side.
    let err = polar
        .customers()
        .update_by_external_id("usr_1", CustomerUpdate::new().external_id("usr_2"))
        .await
        .unwrap_err();
    assert_eq!(problem_fields(&err), ["external_id"]);
    assert!(sent(&mock, "PATCH").is_empty());
    // By ID, Polar refuses another value (422 mapped) and accepts the current one.
    let err = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().external_id("usr_2"),
    )
    .await
    .unwrap_err();
    assert_eq!(rejected_fields(&err), ["external_id"]);
    let same = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().external_id("usr_1"),
    )
    .await
    .unwrap();
    assert_eq!(same.external_id(), Some("usr_1"));
    // A customer without one can get one, unless another customer holds it.
    let bob = add(&polar, NewCustomer::individual("bob@example.org"))
        .await
        .unwrap();
    let err = patch(&polar, bob.id(), CustomerUpdate::new().external_id("usr_1"))
        .await
        .unwrap_err();
    assert!(err.is_duplicate_external_id(), "{err:?}");
    let bob = patch(&polar, bob.id(), CustomerUpdate::new().external_id("usr_2"))
        .await
        .unwrap();
    assert_eq!(bob.external_id(), Some("usr_2"));
}

#[tokio::test]
async fn a_case_only_email_change_is_not_applied_and_a_real_one_unverifies() {
    let (_mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    let same = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().email("JANE@example.org"),
    )
    .await
    .unwrap();
    assert_eq!(same.email(), Some("jane@example.org"));
    let changed = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().email("jane.doe@example.org"),
    )
    .await
    .unwrap();
    assert_eq!(changed.email(), Some("jane.doe@example.org"));
    assert!(!changed.email_verified());
}

#[tokio::test]
async fn an_email_held_by_another_customer_is_refused() {
    let (_mock, polar) = setup().await;
    create(&polar, "jane@example.org", "usr_1").await;
    let bob = create(&polar, "bob@example.org", "usr_2").await;
    let err = patch(
        &polar,
        bob.id(),
        CustomerUpdate::new().email("Jane@Example.org"),
    )
    .await
    .unwrap_err();
    assert!(err.is_duplicate_email(), "{err:?}");
}

#[tokio::test]
async fn metadata_is_replaced_whole_never_merged() {
    let (_mock, polar) = setup().await;
    let jane = add(
        &polar,
        NewCustomer::individual("jane@example.org")
            .metadata("plan", "pro")
            .metadata("seats", 3),
    )
    .await
    .unwrap();
    let replaced = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().replace_metadata([("beta", true)]),
    )
    .await
    .unwrap();
    assert_eq!(
        replaced.metadata().iter().collect::<Vec<_>>(),
        [(&"beta".to_owned(), &MetadataValue::Bool(true))]
    );
    let wiped = patch(&polar, jane.id(), CustomerUpdate::new().clear_metadata())
        .await
        .unwrap();
    assert!(wiped.metadata().is_empty());
}

#[tokio::test]
async fn an_individual_upgrades_to_a_team_once() {
    let (_mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    let team = patch(&polar, jane.id(), CustomerUpdate::new().upgrade_to_team())
        .await
        .unwrap();
    assert_eq!(team.kind(), &CustomerKind::Team);
    let again = patch(&polar, jane.id(), CustomerUpdate::new().upgrade_to_team())
        .await
        .unwrap();
    assert!(again.is_team(), "harmless on a team");
}

#[tokio::test]
async fn changing_country_revalidates_the_stored_tax_id() {
    let (_mock, polar) = setup().await;
    let acme = add(
        &polar,
        NewCustomer::individual("billing@acme.example")
            .billing_address(NewAddress::new(Country::US))
            .tax_id("91-1144442"),
    )
    .await
    .unwrap();
    let to_germany = || CustomerUpdate::new().billing_address(NewAddress::new(Country::DE));
    let err = patch(&polar, acme.id(), to_germany()).await.unwrap_err();
    assert_eq!(rejected_fields(&err), ["tax_id"]);
    let moved = patch(&polar, acme.id(), to_germany().tax_id("DE123456789"))
        .await
        .unwrap();
    assert_eq!(moved.tax_id().unwrap().value(), "DE123456789");
    let cleared = patch(
        &polar,
        acme.id(),
        CustomerUpdate::new()
            .billing_address(NewAddress::new(Country::US))
            .clear_tax_id(),
    )
    .await
    .unwrap();
    assert_eq!(cleared.tax_id(), None);
    // A tax ID with no country anywhere cannot be validated.
    let bob = create(&polar, "bob@example.org", "usr_2").await;
    let err = patch(&polar, bob.id(), CustomerUpdate::new().tax_id("911144442"))
        .await
        .unwrap_err();
    assert_eq!(rejected_fields(&err), ["billing_address"]);
}

#[tokio::test]
async fn a_patch_whose_answer_was_lost_is_sent_again() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    mock.fail_next_matching(Method::PATCH, "/v1/customers/", 1, Fault::DropAfterStore);
    let updated = patch(
        &polar,
        jane.id(),
        CustomerUpdate::new().name("Jane Doe").external_id("usr_1"),
    )
    .await
    .unwrap();
    assert_eq!(updated.name(), Some("Jane Doe"));
    assert_eq!(sent(&mock, "PATCH").len(), 2, "the lost PATCH was replayed");
    mock.fail_next_matching(
        Method::PATCH,
        "/v1/customers/",
        1,
        Fault::ServerError { status: 503 },
    );
    let updated = polar
        .customers()
        .update_by_external_id("usr_1", CustomerUpdate::new().locale("fr"))
        .await
        .unwrap();
    assert_eq!(updated.locale(), Some("fr"));
    assert_eq!(sent(&mock, "PATCH").len(), 4);
}

// ---- §1 DELETE ------------------------------------------------------------------------------

#[tokio::test]
async fn delete_then_recreate_with_the_same_external_id_and_email() {
    let (mock, polar) = setup().await;
    let old = create(&polar, "jane@example.org", "usr_1").await;
    polar.customers().delete(old.id()).await.unwrap();
    assert_eq!(
        sent(&mock, "DELETE"),
        [format!("/v1/customers/{}?anonymize=false", old.id())]
    );
    for err in [
        polar.customers().get(old.id()).await.unwrap_err(),
        polar
            .customers()
            .get_by_external_id("usr_1")
            .await
            .unwrap_err(),
        polar.customers().state(old.id()).await.unwrap_err(),
        patch(&polar, old.id(), CustomerUpdate::new())
            .await
            .unwrap_err(),
        polar.customers().delete(old.id()).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
    let new = create(&polar, "jane@example.org", "usr_1").await;
    assert_ne!(new.id(), old.id());
    let found = polar.customers().get_by_external_id("usr_1").await.unwrap();
    assert_eq!(found.id(), new.id());
    // The deleted record keeps its external ID in metadata, as in Polar's webhooks.
    let stored = mock.customers();
    let deleted = stored
        .iter()
        .find(|c| c["id"] == old.id().as_str())
        .unwrap();
    assert!(!deleted["deleted_at"].is_null());
    assert_eq!(deleted["metadata"]["__external_id"], "usr_1");
}

#[tokio::test]
async fn delete_by_external_id() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    polar
        .customers()
        .delete_by_external_id("usr_1")
        .await
        .unwrap();
    // Looked up first, then deleted by Polar's ID.
    assert_eq!(
        sent(&mock, "DELETE"),
        [format!("/v1/customers/{}?anonymize=false", jane.id())]
    );
    assert!(polar.customers().get(jane.id()).await.is_err());
}

#[tokio::test]
async fn anonymize_hashes_personal_data_but_keeps_a_business_name() {
    let (mock, polar) = setup().await;
    let jane = add(
        &polar,
        NewCustomer::individual("jane@example.org")
            .name("Jane")
            .external_id("usr_1")
            .billing_address(NewAddress::new(Country::DE).city("Berlin")),
    )
    .await
    .unwrap();
    let acme = add(
        &polar,
        NewCustomer::individual("billing@acme.example")
            .name("Acme GmbH")
            .external_id("org_1")
            .billing_address(NewAddress::new(Country::DE))
            .tax_id("DE123456789"),
    )
    .await
    .unwrap();
    polar.customers().anonymize(jane.id()).await.unwrap();
    polar
        .customers()
        .anonymize_by_external_id("org_1")
        .await
        .unwrap();
    assert_eq!(
        sent(&mock, "DELETE"),
        [
            format!("/v1/customers/{}?anonymize=true", jane.id()),
            format!("/v1/customers/{}?anonymize=true", acme.id()),
        ]
    );
    let stored = mock.customers();
    let find = |id: &str| stored.iter().find(|c| c["id"] == id).unwrap().clone();
    let jane = find(jane.id());
    assert!(
        jane["email"]
            .as_str()
            .unwrap()
            .ends_with("@anonymized.polar.sh"),
        "{jane}"
    );
    assert_ne!(jane["name"], "Jane");
    assert!(jane["billing_address"].is_null());
    assert_eq!(jane["metadata"]["__external_id"], "usr_1");
    assert!(jane["metadata"]["__anonymized_at"].is_string());
    let acme = find(acme.id());
    assert_eq!(
        acme["name"], "Acme GmbH",
        "a customer with a tax ID keeps its name"
    );
    assert!(!acme["tax_id"].is_null());
}

#[tokio::test]
async fn a_delete_whose_204_was_lost_succeeds_on_retry() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    mock.fail_next_matching(Method::DELETE, "/v1/customers/", 1, Fault::DropAfterStore);
    let outcome = polar.customers().delete(jane.id()).await.unwrap();
    assert_eq!(
        outcome,
        Deleted::GoneAfterLostAnswer,
        "the retry got 404: gone, but the call cannot say it was this call"
    );
    assert_eq!(sent(&mock, "DELETE").len(), 2);
    assert!(polar.customers().get(jane.id()).await.is_err());

    create(&polar, "bob@example.org", "usr_2").await;
    mock.fail_next_matching(Method::DELETE, "/v1/customers/", 1, Fault::DropAfterStore);
    // The lost attempt did anonymize bob, but the call cannot know it was this call's attempt:
    // it never claims an anonymization it did not see.
    let err = polar
        .customers()
        .anonymize_by_external_id("usr_2")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "outcome_unknown", "{err}");
    assert!(err.may_have_been_processed());
    assert_eq!(err.status(), Some(404));
    assert_eq!(sent(&mock, "DELETE").len(), 4);
}

#[tokio::test]
async fn a_delete_that_failed_before_landing_still_reports_a_missing_customer() {
    let (mock, polar) = setup().await;
    let id = unknown_id();
    mock.fail_next_matching(
        Method::DELETE,
        "/v1/customers/",
        1,
        Fault::RateLimited {
            retry_after: std::time::Duration::ZERO,
        },
    );
    let err = polar.customers().delete(&id).await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound { .. }),
        "a 429 deleted nothing: {err:?}"
    );
}

// ---- §2 list ------------------------------------------------------------------------------

/// Creates `n` customers `user{i}@example.org` (external IDs `usr_{i}`), oldest first.
async fn create_many(polar: &Polar, n: usize) -> Vec<Customer> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(create(polar, &format!("user{i}@example.org"), &format!("usr_{i}")).await);
    }
    out
}

/// Every customer of a walk, which must not fail.
async fn walk(list: ListCustomers) -> Vec<Customer> {
    list.stream().try_collect().await.unwrap()
}

/// The IDs of a walk's customers.
async fn walk_ids(list: ListCustomers) -> Vec<String> {
    walk(list)
        .await
        .iter()
        .map(|c| c.id().to_string())
        .collect()
}

/// The emails of a walk's customers.
async fn walk_emails(list: ListCustomers) -> Vec<String> {
    walk(list)
        .await
        .iter()
        .map(|c| c.email().unwrap_or_default().to_owned())
        .collect()
}

fn ids(customers: &[Customer]) -> Vec<&str> {
    customers.iter().map(|c| c.id().as_str()).collect()
}

#[tokio::test]
async fn a_walk_yields_every_customer_once_across_pages() {
    let (mock, polar) = setup().await;
    let created = create_many(&polar, 5).await;
    let walked = walk(polar.customers().list().page_size(2)).await;
    let mut newest_first = ids(&created);
    newest_first.reverse();
    assert_eq!(ids(&walked), newest_first);
    let gets = sent(&mock, "GET");
    assert_eq!(gets.len(), 3, "{gets:?}");
    assert!(gets[0].starts_with("/v1/customers/?"), "{gets:?}");
    assert!(
        gets[2].contains("page=3") && gets[2].contains("limit=2"),
        "{gets:?}"
    );
}

#[tokio::test]
async fn inserts_during_a_newest_first_walk_yield_no_duplicate() {
    let (_mock, polar) = setup().await;
    let created = create_many(&polar, 5).await;
    let mut walk = std::pin::pin!(polar.customers().list().page_size(2).stream());
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(walk.next().await.unwrap().unwrap());
    }
    // Two inserts push every customer two places down: page 2 now holds page 1's customers.
    create(&polar, "late1@example.org", "late_1").await;
    create(&polar, "late2@example.org", "late_2").await;
    while let Some(customer) = walk.next().await {
        seen.push(customer.unwrap());
    }
    let unique: HashSet<&str> = ids(&seen).into_iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a customer came twice: {:?}",
        ids(&seen)
    );
    // Every customer that was there when the walk started came, once.
    assert_eq!(seen.len(), created.len(), "{:?}", ids(&seen));
    assert!(created.iter().all(|c| unique.contains(c.id().as_str())));
}

#[tokio::test]
async fn an_oldest_first_walk_sees_inserts_and_no_duplicate() {
    let (_mock, polar) = setup().await;
    let created = create_many(&polar, 5).await;
    let mut walk = std::pin::pin!(
        polar
            .customers()
            .list()
            .sort_by(CustomerSort::CreatedAtAsc)
            .page_size(2)
            .stream()
    );
    let mut seen = vec![walk.next().await.unwrap().unwrap()];
    let late = create(&polar, "late@example.org", "late_1").await;
    while let Some(customer) = walk.next().await {
        seen.push(customer.unwrap());
    }
    let mut expected = ids(&created);
    expected.push(late.id());
    assert_eq!(ids(&seen), expected);
}

#[tokio::test]
async fn a_deletion_during_a_walk_shifts_without_duplicates() {
    let (_mock, polar) = setup().await;
    let created = create_many(&polar, 6).await;
    let mut walk = std::pin::pin!(
        polar
            .customers()
            .list()
            .sort_by(CustomerSort::CreatedAtAsc)
            .page_size(2)
            .stream()
    );
    let first = walk.next().await.unwrap().unwrap();
    polar.customers().delete(first.id()).await.unwrap();
    let mut seen = vec![first];
    while let Some(customer) = walk.next().await {
        seen.push(customer.unwrap());
    }
    let unique: HashSet<&str> = ids(&seen).into_iter().collect();
    assert_eq!(unique.len(), seen.len());
    // The customer shifted onto the page already read is found again: the walk saw the count
    // drop and re-read that page.
    assert_eq!(ids(&seen).len(), 6, "{:?}", ids(&seen));
    assert!(ids(&seen).contains(&created[2].id().as_str()));
}

#[tokio::test]
async fn list_filters_email_query_and_metadata() {
    let (_mock, polar) = setup().await;
    let customers = polar.customers();
    let jane = customers
        .create(
            NewCustomer::individual("Jane@Example.org")
                .name("Jane Doe")
                .external_id("team-a-1")
                .metadata("plan", "pro")
                .metadata("beta", true),
        )
        .await
        .unwrap();
    let bob = customers
        .create(
            NewCustomer::individual("bob@example.org")
                .name("Bob")
                .external_id("team-b-1")
                .metadata("plan", "free")
                .metadata("seats", 3),
        )
        .await
        .unwrap();
    assert_eq!(
        walk_ids(customers.list().email("jane@EXAMPLE.org")).await,
        [jane.id()]
    );
    assert!(walk_ids(customers.list().email("")).await.is_empty());
    assert_eq!(
        walk_ids(customers.list().query("DOE")).await,
        [jane.id().as_str()]
    );
    assert_eq!(
        walk_ids(customers.list().query("team-b")).await,
        [bob.id()],
        "prefix of external ID"
    );
    assert!(
        walk_ids(customers.list().query("b-1")).await.is_empty(),
        "not a substring of it"
    );
    assert_eq!(
        walk_ids(customers.list().metadata("plan", "pro")).await,
        [jane.id()]
    );
    assert_eq!(
        walk_ids(customers.list().metadata("beta", true)).await,
        [jane.id()]
    );
    assert_eq!(
        walk_ids(customers.list().metadata("seats", 3)).await,
        [bob.id()]
    );
    assert_eq!(
        walk_ids(
            customers
                .list()
                .metadata("plan", "pro")
                .metadata("plan", "free")
                .sort_by(CustomerSort::CreatedAtAsc)
        )
        .await,
        [jane.id(), bob.id()],
        "one key twice: either value"
    );
    assert!(
        walk_ids(
            customers
                .list()
                .metadata("plan", "pro")
                .metadata("seats", 3)
        )
        .await
        .is_empty(),
        "two keys: both"
    );
}

#[tokio::test]
async fn list_filters_active_and_organization() {
    let (mock, polar) = setup().await;
    let [paying, trial, lapsed, none] = [0, 1, 2, 3].map(|i| format!("u{i}@example.org"));
    let mut made = Vec::new();
    for email in [&paying, &trial, &lapsed, &none] {
        made.push(
            add(&polar, NewCustomer::individual(email.as_str()))
                .await
                .unwrap(),
        );
    }
    let uuid = |c: &Customer| Uuid::parse_str(c.id()).unwrap();
    mock.add_subscription(uuid(&made[0]), MockSubscription::new())
        .unwrap();
    mock.add_subscription(uuid(&made[1]), MockSubscription::new().status("trialing"))
        .unwrap();
    mock.add_subscription(uuid(&made[2]), MockSubscription::new().status("past_due"))
        .unwrap();
    assert_eq!(
        walk_emails(
            polar
                .customers()
                .list()
                .sort_by(CustomerSort::EmailAsc)
                .active(true)
        )
        .await,
        [paying.clone(), trial.clone(), lapsed.clone()]
    );
    assert_eq!(
        walk_emails(
            polar
                .customers()
                .list()
                .sort_by(CustomerSort::EmailAsc)
                .active(false)
        )
        .await,
        [none]
    );
    let org = mock.organization_id().to_string();
    assert_eq!(
        walk_emails(
            polar
                .customers()
                .list()
                .sort_by(CustomerSort::EmailAsc)
                .organization_id(&org)
        )
        .await
        .len(),
        4
    );
    let other = "6f1c2a3e-5b4d-4c3e-9a8b-7c6d5e4f3a2b";
    assert!(
        walk_emails(
            polar
                .customers()
                .list()
                .sort_by(CustomerSort::EmailAsc)
                .organization_id(other)
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn list_sorts_by_typed_criteria() {
    let (mock, polar) = setup().await;
    for (email, name) in [
        ("b@example.org", "Carol"),
        ("c@example.org", "Alice"),
        ("a@example.org", "Bob"),
    ] {
        add(&polar, NewCustomer::individual(email).name(name))
            .await
            .unwrap();
    }
    let names = |sort: CustomerSort| {
        let list = polar.customers().list().sort_by(sort);
        async move {
            walk(list)
                .await
                .iter()
                .map(|c| c.name().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    for (sort, expected) in [
        (CustomerSort::NameAsc, ["Alice", "Bob", "Carol"]),
        (CustomerSort::NameDesc, ["Carol", "Bob", "Alice"]),
        (CustomerSort::EmailAsc, ["Bob", "Carol", "Alice"]),
        (CustomerSort::EmailDesc, ["Alice", "Carol", "Bob"]),
        (CustomerSort::CreatedAtAsc, ["Carol", "Alice", "Bob"]),
        (CustomerSort::CreatedAtDesc, ["Bob", "Alice", "Carol"]),
    ] {
        assert_eq!(names(sort).await, expected, "{sort:?}");
    }
    assert!(
        sent(&mock, "GET")
            .iter()
            .any(|p| p.contains("sorting=-email"))
    );
}

#[tokio::test]
async fn page_size_is_clamped_to_100_and_zero_is_refused_before_sending() {
    let (mock, polar) = setup().await;
    create_many(&polar, 3).await;
    let walked = walk(polar.customers().list().page_size(500)).await;
    assert_eq!(walked.len(), 3);
    assert!(
        sent(&mock, "GET")[0].contains("limit=100"),
        "{:?}",
        sent(&mock, "GET")
    );
    let before = mock.requests().len();
    let mut walk = std::pin::pin!(
        polar
            .customers()
            .list()
            .page_size(0)
            .organization_id("acme")
            .stream()
    );
    let err = walk.next().await.unwrap().unwrap_err();
    assert_eq!(problem_fields(&err), ["page_size", "organization_id"]);
    assert!(walk.next().await.is_none());
    assert_eq!(mock.requests().len(), before);
}

#[tokio::test]
async fn deleted_customers_are_not_listed_and_an_empty_list_ends_at_once() {
    let (mock, polar) = setup().await;
    let none = walk(polar.customers().list()).await;
    assert!(none.is_empty());
    assert_eq!(sent(&mock, "GET").len(), 1);
    let made = create_many(&polar, 2).await;
    polar.customers().delete(made[0].id()).await.unwrap();
    let left = walk(polar.customers().list()).await;
    assert_eq!(ids(&left), [made[1].id()]);
}

#[tokio::test]
async fn a_failed_page_is_retried_then_an_error_ends_the_walk() {
    let (mock, polar) = setup().await;
    create_many(&polar, 3).await;
    mock.fail_next_matching(
        Method::GET,
        "/v1/customers/",
        1,
        Fault::ServerError { status: 503 },
    );
    let walked = walk(polar.customers().list().page_size(2)).await;
    assert_eq!(walked.len(), 3, "the 503 was retried");
    mock.fail_next_matching(
        Method::GET,
        "/v1/customers/",
        10,
        Fault::ServerError { status: 500 },
    );
    let items: Vec<Result<Customer, Error>> = polar.customers().list().stream().collect().await;
    assert_eq!(items.len(), 1);
    assert!(
        matches!(items[0], Err(Error::Server { status: 500, .. })),
        "{items:?}"
    );
}

// ---- §3 state -----------------------------------------------------------------------------

#[tokio::test]
async fn state_decodes_unknown_benefit_types_statuses_and_extra_fields() {
    let (mock, polar) = setup().await;
    let jane = create(&polar, "jane@example.org", "usr_1").await;
    let id = Uuid::parse_str(jane.id()).unwrap();
    mock.grant_benefit(
        id,
        MockBenefitGrant::new()
            .benefit_type("brand_new_kind")
            .field("shiny_new_field", json!([1, 2])),
    )
    .unwrap();
    mock.grant_benefit(
        id,
        MockBenefitGrant::new()
            .benefit_type("meter_credit")
            .properties(json!({})),
    )
    .unwrap();
    mock.add_subscription(
        id,
        MockSubscription::new()
            .status("trialing")
            .recurring_interval("fortnight")
            .field("price_id", "p_1")
            .field("novel", json!({"a": 1})),
    )
    .unwrap();
    mock.add_subscription(id, MockSubscription::new().status("past_due"))
        .unwrap();
    mock.add_meter(
        id,
        json!({"consumed_units": 1.5, "credited_units": 10, "balance": 8.5}),
    )
    .unwrap();
    let state = polar.customers().state(jane.id()).await.unwrap();
    assert_eq!(state.customer().id(), jane.id());
    let kinds: Vec<&BenefitType> = state
        .granted_benefits()
        .iter()
        .map(|b| b.benefit_type())
        .collect();
    assert!(
        kinds.contains(&&BenefitType::Other("brand_new_kind".to_owned())),
        "{kinds:?}"
    );
    assert!(kinds.contains(&&BenefitType::MeterCredit));
    // past_due is left out of the state although the list's `active` filter counts it.
    assert_eq!(state.active_subscriptions().len(), 1);
    let sub = &state.active_subscriptions()[0];
    assert_eq!(sub.status(), &SubscriptionStatus::Trialing);
    assert_eq!(sub.recurring_interval().code(), "fortnight");
    assert_eq!(sub.price_id(), Some("p_1"));
    assert_eq!(state.active_meters()[0].balance(), 8.5);
}

#[tokio::test]
async fn state_by_external_id() {
    let (mock, polar) = setup().await;
    let jane = create(
        &polar,
        "jane@example.org",
        "usr 1/é".replace('/', "-").as_str(),
    )
    .await;
    let id = Uuid::parse_str(jane.id()).unwrap();
    let grant = mock.grant_benefit(id, MockBenefitGrant::new()).unwrap();
    let state = polar
        .customers()
        .state_by_external_id("usr 1-é")
        .await
        .unwrap();
    assert_eq!(state.customer().id(), jane.id());
    assert!(state.has_benefit(grant["benefit_id"].as_str().unwrap()));
    assert!(sent(&mock, "GET").last().unwrap().ends_with("/state"));
}

// ---- a hostile list server --------------------------------------------------------------------

/// A client for a raw server, with this response-size limit.
fn raw_client(server: &support::raw::RawServer, max_response_bytes: usize) -> Polar {
    Polar::builder()
        .access_token(support::SECRET)
        .base_url(server.base_url())
        .max_response_bytes(max_response_bytes)
        .retry_policy(polar_client::RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_server_repeating_one_page_yields_it_once_then_a_paging_error() {
    let page = json!({
        "items": [fixtures::individual_201()],
        "pagination": {"total_count": 3, "max_page": 3},
    });
    let body = serde_json::to_vec(&page).unwrap();
    let server =
        support::raw::RawServer::start(move |_| support::raw::response(200, &[], &body)).await;
    let polar = raw_client(&server, polar_client::DEFAULT_MAX_RESPONSE_BYTES);
    let results: Vec<_> = polar.customers().list().stream().collect().await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(
        matches!(results[1], Err(Error::Paging { page: 2, .. })),
        "{results:?}"
    );
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "page 2 repeated page 1: the walk stops there"
    );
}

#[tokio::test]
async fn an_empty_page_ends_a_walk_whatever_max_page_claims() {
    let page = json!({"items": [], "pagination": {"total_count": 9, "max_page": i64::MAX}});
    let body = serde_json::to_vec(&page).unwrap();
    let server =
        support::raw::RawServer::start(move |_| support::raw::response(200, &[], &body)).await;
    let polar = raw_client(&server, polar_client::DEFAULT_MAX_RESPONSE_BYTES);
    assert!(walk(polar.customers().list()).await.is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_list_page_goes_through_the_client_hooks() {
    // Headers: the hand-built list request carries the token and version like every request.
    let (mock, polar) = setup().await;
    walk(polar.customers().list()).await;
    let request = &mock.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", support::SECRET).as_str())
    );
    assert_eq!(request.header("polar-version"), Some(polar.api_version()));
    assert_eq!(request.header("api-version"), None);
    // Size cap: a page larger than the client's limit is refused, not read whole.
    let items: Vec<_> = (0..50).map(|_| fixtures::individual_201()).collect();
    let page = json!({"items": items, "pagination": {"total_count": 50, "max_page": 1}});
    let body = serde_json::to_vec(&page).unwrap();
    let server =
        support::raw::RawServer::start(move |_| support::raw::response(200, &[], &body)).await;
    let polar = raw_client(&server, 4096);
    let items: Vec<_> = polar.customers().list().stream().collect().await;
    assert!(
        matches!(
            items[..],
            [Err(Error::ResponseTooLarge { limit: 4096, .. })]
        ),
        "{items:?}"
    );
}
