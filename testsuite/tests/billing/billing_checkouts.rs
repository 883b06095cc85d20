//! Checkouts through the public API against the mock over loopback HTTP: create rules, the
//! "which customer wins" table (create, then the buyer completes it), Polar's webhook order on
//! success, lazy expiry, updates while open, listing, and a retried create.

use crate::support;

use futures_util::TryStreamExt;
use polar_client::{
    CheckoutStatus, CheckoutUpdate, Error, NewCheckout, NewCustomer, Polar, TrialInterval,
};
use polar_client_mock::{Buyer, Fault, Method, MockPolar, MockProduct, Uuid};
use support::{client, mock_with_secret, requests_seen};

async fn setup() -> (MockPolar, Polar, Uuid) {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    (mock, polar, pro)
}

fn checkout_uuid(checkout: &polar_client::Checkout) -> Uuid {
    Uuid::parse_str(checkout.id()).unwrap()
}

fn customers_with_email(mock: &MockPolar, email: &str) -> Vec<serde_json::Value> {
    mock.customers()
        .into_iter()
        .filter(|c| {
            c["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .collect()
}

#[tokio::test]
async fn create_keeps_the_checkout_id_placeholder_and_hides_the_secret() {
    let (mock, polar, pro) = setup().await;
    let checkout = polar
        .checkouts()
        .create(
            NewCheckout::new([pro])
                .customer_email("jane@example.org")
                .success_url("https://example.org/thanks?c={CHECKOUT_ID}")
                .metadata("ref", "r1"),
        )
        .await
        .unwrap();
    let sent = mock
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/v1/checkouts/")
        .unwrap();
    let body = String::from_utf8(sent.body).unwrap();
    assert!(body.contains("{CHECKOUT_ID}"), "sent unencoded: {body}");
    assert_eq!(
        checkout.success_url(),
        Some(format!("https://example.org/thanks?c={}", checkout.id()).as_str())
    );
    assert_eq!(checkout.status(), &CheckoutStatus::Open);
    assert!(!checkout.is_expired_now());
    let secret = checkout.client_secret().cloned().unwrap();
    assert!(secret.expose().starts_with("polar_c_"));
    assert!(!format!("{checkout:?}").contains(secret.expose()));
    assert!(checkout.url().unwrap().contains(secret.expose()));
    assert_eq!(checkout.metadata()["ref"], "r1".into());
}

#[tokio::test]
async fn create_rules() {
    let (mock, polar, pro) = setup().await;
    let before = mock.requests().len();
    let err = polar
        .checkouts()
        .create(
            NewCheckout::new([pro, pro])
                .customer_email("not-an-email")
                .success_url("/relative")
                .seats(0)
                .trial(TrialInterval::Day, 0),
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field()).collect();
    assert_eq!(
        fields,
        [
            "products",
            "customer_email",
            "success_url",
            "trial_interval_count",
            "seats"
        ]
    );
    let err = polar
        .checkouts()
        .create(NewCheckout::new(Vec::<String>::new()))
        .await
        .unwrap_err();
    assert_eq!(err.problems()[0].field(), "products");
    assert_eq!(mock.requests().len(), before, "nothing sent");

    // Unknown product: 422 at the product's index, never 404.
    let err = polar
        .checkouts()
        .create(NewCheckout::new([
            pro.to_string(),
            Uuid::from_u128(7).to_string(),
        ]))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "products.1");
    assert_eq!(err.field_errors()[0].message(), "Product does not exist.");
    // Unknown customer ID.
    let err = polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_customer("992fae2a-2a17-4b7a-8d9e-e287cf90131b"))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "customer_id");
    // Seats on a product that is not seat-based.
    let err = polar
        .checkouts()
        .create(NewCheckout::new([pro]).seats(3))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "seats");
}

// ---- Which customer wins ----

#[tokio::test]
async fn customer_id_wins_whatever_the_buyer_types() {
    let (mock, polar, pro) = setup().await;
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").name("Jane"))
        .await
        .unwrap();
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_customer(jane.id()))
        .await
        .unwrap();
    assert_eq!(checkout.customer_id(), Some(jane.id()));
    assert_eq!(
        checkout.customer_email(),
        Some("jane@example.org"),
        "prefilled"
    );
    let done = mock
        .complete_checkout(checkout_uuid(&checkout), Buyer::new("other@example.org"))
        .unwrap();
    assert_eq!(done.customer["id"], jane.id().as_str());
}

#[tokio::test]
async fn an_existing_email_wins_over_the_external_id_which_is_silently_not_applied() {
    let (mock, polar, pro) = setup().await;
    let existing = polar
        .customers()
        .create(NewCustomer::individual("Jane@Example.org"))
        .await
        .unwrap();
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_external_customer("usr_7", "jane@example.org"))
        .await
        .unwrap();
    assert!(checkout.customer_id().is_none(), "not linked at create");
    let done = mock
        .complete_checkout(checkout_uuid(&checkout), Buyer::new("jane@example.org"))
        .unwrap();
    assert_eq!(done.customer["id"], existing.id().as_str());
    let customer = polar.customers().get(existing.id()).await.unwrap();
    assert_eq!(
        customer.external_id(),
        None,
        "the external ID was not applied"
    );
    let err = polar
        .customers()
        .get_by_external_id("usr_7")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

#[tokio::test]
async fn a_new_buyer_with_an_external_id_becomes_a_customer_with_it() {
    let (mock, polar, pro) = setup().await;
    let checkout = polar
        .checkouts()
        .create(
            NewCheckout::new([pro])
                .for_external_customer("usr_8", "new@example.org")
                .customer_metadata("plan", "pro"),
        )
        .await
        .unwrap();
    mock.complete_checkout(checkout_uuid(&checkout), Buyer::new("new@example.org"))
        .unwrap();
    let customer = polar.customers().get_by_external_id("usr_8").await.unwrap();
    assert_eq!(customer.email(), Some("new@example.org"));
    assert_eq!(
        customer.metadata()["plan"],
        "pro".into(),
        "customer_metadata merged"
    );
    // The checkout now points at it, and at the subscription.
    let checkout = polar.checkouts().get(checkout.id()).await.unwrap();
    assert_eq!(checkout.status(), &CheckoutStatus::Succeeded);
    assert_eq!(checkout.customer_id(), Some(customer.id()));
    assert!(checkout.subscription_id().is_some());
}

#[tokio::test]
async fn an_existing_external_id_is_linked_at_create() {
    let (_mock, polar, pro) = setup().await;
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_7"))
        .await
        .unwrap();
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_external_customer("usr_7", "jane@example.org"))
        .await
        .unwrap();
    assert_eq!(checkout.customer_id(), Some(jane.id()));
}

#[tokio::test]
async fn an_external_id_taken_meanwhile_with_another_email_fails_the_payment() {
    let (mock, polar, pro) = setup().await;
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_external_customer("usr_7", "jane@example.org"))
        .await
        .unwrap();
    polar
        .customers()
        .create(NewCustomer::individual("bob@example.org").external_id("usr_7"))
        .await
        .unwrap();
    let err = mock
        .complete_checkout(checkout_uuid(&checkout), Buyer::new("jane@example.org"))
        .unwrap_err();
    assert!(
        err.starts_with("CheckoutCustomerExternalIdMismatch"),
        "{err}"
    );
    assert!(customers_with_email(&mock, "jane@example.org").is_empty());
}

#[tokio::test]
async fn an_email_only_buyer_is_matched_case_insensitively_or_created() {
    let (mock, polar, pro) = setup().await;
    polar
        .customers()
        .create(NewCustomer::individual("jane@example.org"))
        .await
        .unwrap();
    for email in ["JANE@example.org", "fresh@example.org"] {
        let checkout = polar
            .checkouts()
            .create(NewCheckout::new([pro]).customer_email(email))
            .await
            .unwrap();
        mock.complete_checkout(checkout_uuid(&checkout), Buyer::new(email))
            .unwrap();
        assert_eq!(customers_with_email(&mock, email).len(), 1, "{email}");
    }
}

// ---- Success: webhook order and state ----

#[tokio::test]
async fn success_emits_polars_order_with_the_checkout_last() {
    let (mock, polar, pro) = setup().await;
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]).customer_email("jane@example.org"))
        .await
        .unwrap();
    let start = mock.events().len();
    let done = mock
        .complete_checkout(checkout_uuid(&checkout), Buyer::new("jane@example.org"))
        .unwrap();
    let events: Vec<_> = mock
        .events()
        .into_iter()
        .skip(start)
        .filter(|e| !e.event_type.starts_with("customer."))
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "checkout.updated",
            "subscription.created",
            "subscription.active",
            "order.created",
            "order.updated",
            "order.paid",
            "checkout.updated",
        ]
    );
    assert_eq!(events[0].data["status"], "confirmed");
    assert_eq!(
        events[3].data["status"], "paid",
        "order.created is already paid"
    );
    assert_eq!(events[6].data["status"], "succeeded");
    assert_eq!(done.order["checkout_id"], checkout.id().as_str());
    // Entitlement from state.
    let customer = done.customer["id"].as_str().unwrap();
    let state = polar.customers().state(customer).await.unwrap();
    assert_eq!(state.active_subscriptions().len(), 1);
    // A completed checkout is no longer open.
    let err = polar
        .checkouts()
        .update(checkout.id(), CheckoutUpdate::new().metadata("k", "v"))
        .await
        .unwrap_err();
    assert_eq!(err.polar_error_code(), Some("NotOpenCheckout"));
}

#[tokio::test]
async fn expiry_is_judged_by_expires_at_not_status() {
    let (mock, polar, pro) = setup().await;
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]))
        .await
        .unwrap();
    assert!(mock.age_checkout_past_expiry(checkout_uuid(&checkout)));
    let seen = polar.checkouts().get(checkout.id()).await.unwrap();
    assert_eq!(
        seen.status(),
        &CheckoutStatus::Open,
        "Polar's cron has not run"
    );
    assert!(seen.is_expired_now());
    // A PATCH flips it while saving.
    let patched = polar
        .checkouts()
        .update(checkout.id(), CheckoutUpdate::new().metadata("k", "v"))
        .await
        .unwrap();
    assert_eq!(patched.status(), &CheckoutStatus::Expired);
    let err = mock
        .complete_checkout(checkout_uuid(&checkout), Buyer::new("x@example.org"))
        .unwrap_err();
    assert!(err.starts_with("NotOpenCheckout"), "{err}");
}

#[tokio::test]
async fn update_while_open() {
    let (mock, polar, pro) = setup().await;
    let team = mock.add_product(MockProduct::monthly("Team", 4900));
    let other = mock.add_product(MockProduct::monthly("Other", 100));
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro, team]).discount_id("8b0c2a4e-1d3f-4a5b-9c7d-0e1f2a3b4c5d"))
        .await
        .unwrap();
    let updated = polar
        .checkouts()
        .update(
            checkout.id(),
            CheckoutUpdate::new()
                .product_id(team)
                .remove_discount()
                .metadata("step", "2"),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.product_id().map(|id| id.as_str()),
        Some(team.to_string().as_str())
    );
    assert!(updated.discount_id().is_none());
    assert_eq!(updated.metadata()["step"], "2".into());
    let err = polar
        .checkouts()
        .update(checkout.id(), CheckoutUpdate::new().product_id(other))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "product_id");
}

#[tokio::test]
async fn list_filters_and_the_external_id_join() {
    let (_mock, polar, pro) = setup().await;
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_1"))
        .await
        .unwrap();
    polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_customer(jane.id()))
        .await
        .unwrap();
    // Stored only as a string: not found through the external-ID filter.
    polar
        .checkouts()
        .create(NewCheckout::new([pro]).for_external_customer("usr_2", "bob@example.org"))
        .await
        .unwrap();
    let list = |l: polar_client::ListCheckouts| async move {
        l.stream().try_collect::<Vec<_>>().await.unwrap()
    };
    assert_eq!(list(polar.checkouts().list()).await.len(), 2);
    assert_eq!(
        list(polar.checkouts().list().customer_id(jane.id()))
            .await
            .len(),
        1
    );
    assert_eq!(
        list(polar.checkouts().list().external_customer_id("usr_1"))
            .await
            .len(),
        1
    );
    assert!(
        list(polar.checkouts().list().external_customer_id("usr_2"))
            .await
            .is_empty()
    );
    assert_eq!(
        list(
            polar
                .checkouts()
                .list()
                .status(CheckoutStatus::Open)
                .page_size(1)
        )
        .await
        .len(),
        2
    );
}

#[tokio::test]
async fn a_retried_create_may_leave_a_spare_open_checkout() {
    let (mock, polar, pro) = setup().await;
    mock.fail_next_matching(Method::POST, "/v1/checkouts/", 1, Fault::DropAfterStore);
    let checkout = polar
        .checkouts()
        .create(NewCheckout::new([pro]))
        .await
        .unwrap();
    assert_eq!(requests_seen(&mock, "POST", "/v1/checkouts/"), 2);
    let stored = mock.checkouts();
    assert_eq!(stored.len(), 2, "one spare");
    assert!(stored.iter().all(|c| c["status"] == "open"));
    assert!(mock.orders().is_empty(), "nothing charged");
    assert_eq!(stored[1]["id"], checkout.id().as_str());
}
