//! Subscriptions through the public API against the mock over loopback HTTP: each row of Polar's
//! subscription behaviour a client can meet, and every "retry after a lost response" row — the
//! call's result must be true of the mock's final state, and nothing may change or be charged twice.

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::TryStreamExt;
use polar_client::{Error, MetadataValue, Polar, Proration, SubscriptionStatus};
use polar_client_mock::{Buyer, Fault, Method, MockPolar, MockProduct, Uuid};
use support::{client, mock_with_secret, requests_seen};

struct Setup {
    mock: MockPolar,
    polar: Polar,
    subscription: String,
    customer: String,
    pro: Uuid,
}

async fn setup_with(product: MockProduct) -> Setup {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let pro = mock.add_product(product);
    let done = mock.subscribe(Buyer::new("jane@example.org"), pro).unwrap();
    let subscription = done.subscription.unwrap();
    Setup {
        subscription: subscription["id"].as_str().unwrap().to_owned(),
        customer: subscription["customer_id"].as_str().unwrap().to_owned(),
        mock,
        polar,
        pro,
    }
}

async fn setup() -> Setup {
    setup_with(MockProduct::monthly("Pro", 1900)).await
}

/// The subscription as the mock stores it.
fn stored(s: &Setup) -> serde_json::Value {
    s.mock
        .subscriptions()
        .into_iter()
        .find(|x| x["id"] == s.subscription.as_str())
        .unwrap()
}

fn events(mock: &MockPolar, kind: &str) -> usize {
    mock.events()
        .iter()
        .filter(|e| e.event_type == kind)
        .count()
}

/// Orders made by a charge during an update (not the checkout's order).
fn update_charges(mock: &MockPolar) -> usize {
    mock.orders()
        .iter()
        .filter(|o| o["billing_reason"] == "subscription_update")
        .count()
}

const PATH: &str = "/v1/subscriptions/";

#[tokio::test]
async fn get_and_entitlement() {
    let s = setup().await;
    let sub = s.polar.subscriptions().get(&s.subscription).await.unwrap();
    assert_eq!(sub.status(), &SubscriptionStatus::Active);
    assert!(sub.is_active_or_trialing());
    assert_eq!(
        sub.customer_id().map(|id| id.as_str()),
        Some(s.customer.as_str())
    );
    assert_eq!(sub.amount(), Some(1900));
    assert!(!sub.cancel_at_period_end());

    let missing = s
        .polar
        .subscriptions()
        .get("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11")
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    let before = s.mock.requests().len();
    let invalid = s
        .polar
        .subscriptions()
        .get("../customers")
        .await
        .unwrap_err();
    assert!(matches!(invalid, Error::InvalidInput { .. }));
    assert_eq!(s.mock.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn list_filters_by_customer_external_id_product_and_status() {
    let s = setup().await;
    let other = s.mock.add_product(MockProduct::monthly("Other", 500));
    s.mock
        .subscribe(Buyer::new("bob@example.org"), other)
        .unwrap();
    let mine: Vec<_> = s
        .polar
        .subscriptions()
        .list()
        .customer_id(s.customer.as_str())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let by_product: Vec<_> = s
        .polar
        .subscriptions()
        .list()
        .product_id(other)
        .page_size(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_product.len(), 1);
    assert_ne!(by_product[0].id().as_str(), s.subscription);
    let canceled: Vec<_> = s
        .polar
        .subscriptions()
        .list()
        .status(SubscriptionStatus::Canceled)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(canceled.is_empty());
    let all: Vec<_> = s
        .polar
        .subscriptions()
        .list()
        .status(SubscriptionStatus::Active)
        .status(SubscriptionStatus::PastDue)
        .page_size(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "two pages of one");
}

#[tokio::test]
async fn list_by_external_customer_id() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let customer = polar
        .customers()
        .create(polar_client::NewCustomer::individual("ext@example.org").external_id("usr_9"))
        .await
        .unwrap();
    let pro = mock.add_product(MockProduct::monthly("Pro", 1900));
    mock.subscribe(Buyer::new("EXT@example.org"), pro).unwrap();
    let theirs: Vec<_> = polar
        .subscriptions()
        .list()
        .external_customer_id("usr_9")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].customer_id(), Some(customer.id()));
}

#[tokio::test]
async fn cancel_then_uncancel_then_revoke() {
    let s = setup().await;
    let subs = s.polar.subscriptions();
    let canceled = subs.cancel_at_period_end(&s.subscription).await.unwrap();
    assert!(canceled.cancel_at_period_end());
    assert!(
        canceled.is_active_or_trialing(),
        "entitled until the period ends"
    );
    assert_eq!(canceled.ends_at(), canceled.current_period_end());

    // A second cancel, with no ambiguity before it, is Polar's refusal.
    let again = subs
        .cancel_at_period_end(&s.subscription)
        .await
        .unwrap_err();
    assert_eq!(
        again.polar_error_code(),
        Some("AlreadyCanceledSubscription")
    );
    assert!(matches!(again, Error::Forbidden { .. }));

    let renewed = subs.uncancel(&s.subscription).await.unwrap();
    assert!(!renewed.cancel_at_period_end());
    assert!(renewed.ends_at().is_none());
    // Uncancel of a subscription not scheduled to end: Polar's bare 400.
    let bad = subs.uncancel(&s.subscription).await.unwrap_err();
    assert_eq!(bad.status(), Some(400));

    let revoked = subs.revoke(&s.subscription).await.unwrap();
    assert!(revoked.is_revoked());
    assert!(revoked.ended_at().is_some());
    // Ended: uncancel is 410, revoke again is refused.
    assert_eq!(
        subs.uncancel(&s.subscription).await.unwrap_err().status(),
        Some(410)
    );
    let err = subs.revoke(&s.subscription).await.unwrap_err();
    assert_eq!(err.polar_error_code(), Some("AlreadyCanceledSubscription"));

    // Polar's event order: updated before the specific event; revoke of an uncanceled one
    // is updated, canceled, revoked.
    let kinds: Vec<String> = s
        .mock
        .events()
        .into_iter()
        .map(|e| e.event_type)
        .filter(|t| {
            t.starts_with("subscription.")
                && t != "subscription.created"
                && t != "subscription.active"
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "subscription.updated",
            "subscription.canceled",
            "subscription.updated",
            "subscription.uncanceled",
            "subscription.updated",
            "subscription.canceled",
            "subscription.revoked",
        ]
    );
}

#[tokio::test]
async fn customer_state_follows_the_subscription() {
    let s = setup().await;
    let state = s
        .polar
        .customers()
        .state(s.customer.as_str())
        .await
        .unwrap();
    assert_eq!(state.active_subscriptions().len(), 1);
    s.polar
        .subscriptions()
        .revoke(&s.subscription)
        .await
        .unwrap();
    let state = s
        .polar
        .customers()
        .state(s.customer.as_str())
        .await
        .unwrap();
    assert!(state.active_subscriptions().is_empty());
}

// ---- Retry after a lost response: one row each. ----

#[tokio::test]
async fn a_lost_cancel_is_resent_and_its_refusal_settled_as_done() {
    let s = setup().await;
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let sub = s
        .polar
        .subscriptions()
        .cancel_at_period_end(&s.subscription)
        .await
        .unwrap();
    assert!(sub.cancel_at_period_end());
    assert_eq!(
        requests_seen(&s.mock, "PATCH", PATH),
        2,
        "re-sent once, refused 403"
    );
    assert_eq!(requests_seen(&s.mock, "GET", PATH), 1, "then read back");
    assert_eq!(events(&s.mock, "subscription.canceled"), 1, "canceled once");
}

#[tokio::test]
async fn a_lost_revoke_is_resent_and_its_refusal_settled_as_done() {
    let s = setup().await;
    s.mock
        .fail_next_matching(Method::DELETE, PATH, 1, Fault::DropAfterStore);
    let sub = s
        .polar
        .subscriptions()
        .revoke(&s.subscription)
        .await
        .unwrap();
    assert!(sub.is_revoked());
    assert_eq!(requests_seen(&s.mock, "DELETE", PATH), 2);
    assert_eq!(events(&s.mock, "subscription.revoked"), 1);
}

#[tokio::test]
async fn a_lost_uncancel_is_never_resent_but_read_back() {
    let s = setup().await;
    s.polar
        .subscriptions()
        .cancel_at_period_end(&s.subscription)
        .await
        .unwrap();
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let sub = s
        .polar
        .subscriptions()
        .uncancel(&s.subscription)
        .await
        .unwrap();
    assert!(!sub.cancel_at_period_end());
    assert_eq!(
        requests_seen(&s.mock, "PATCH", PATH),
        2,
        "the cancel and one uncancel"
    );
    assert_eq!(events(&s.mock, "subscription.uncanceled"), 1);
}

#[tokio::test]
async fn an_uncancel_that_may_have_landed_but_did_not_says_so() {
    let s = setup().await;
    s.polar
        .subscriptions()
        .cancel_at_period_end(&s.subscription)
        .await
        .unwrap();
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::ServerError { status: 503 });
    let err = s
        .polar
        .subscriptions()
        .uncancel(&s.subscription)
        .await
        .unwrap_err();
    assert!(err.may_have_been_processed(), "{err:?}");
    assert!(!err.is_retryable(), "not to be re-sent blindly");
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 2, "not re-sent");
    assert_eq!(
        stored(&s)["cancel_at_period_end"],
        true,
        "the read-back was right"
    );
}

#[tokio::test]
async fn a_lost_charging_product_change_is_never_resent_and_charges_once() {
    let s = setup().await;
    let team = s.mock.add_product(MockProduct::monthly("Team", 4900));
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let sub = s
        .polar
        .subscriptions()
        .change_product(&s.subscription, team, Proration::Invoice)
        .await
        .unwrap();
    assert_eq!(
        sub.product_id().map(|id| id.as_str()),
        Some(team.to_string().as_str())
    );
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 1, "never re-sent");
    assert_eq!(update_charges(&s.mock), 1, "charged exactly once");
}

#[tokio::test]
async fn a_charging_product_change_that_cannot_be_confirmed_says_it_may_have_happened() {
    let s = setup().await;
    let team = s.mock.add_product(MockProduct::monthly("Team", 4900));
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropBeforeStore);
    let err = s
        .polar
        .subscriptions()
        .change_product(&s.subscription, team, Proration::Reset)
        .await
        .unwrap_err();
    assert!(err.may_have_been_processed(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 1);
    assert_eq!(update_charges(&s.mock), 0);
    assert_eq!(stored(&s)["product_id"], s.pro.to_string().as_str());
}

#[tokio::test]
async fn a_declined_card_is_payment_failed_and_nothing_changes() {
    let s = setup().await;
    let team = s.mock.add_product(MockProduct::monthly("Team", 4900));
    s.mock.decline_payments(true);
    let err = s
        .polar
        .subscriptions()
        .change_product(&s.subscription, team, Proration::Invoice)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PaymentFailed { .. }), "{err:?}");
    assert!(!err.may_have_been_processed());
    assert_eq!(update_charges(&s.mock), 0);
    assert_eq!(stored(&s)["product_id"], s.pro.to_string().as_str());
}

#[tokio::test]
async fn product_change_rules() {
    let s = setup().await;
    let subs = s.polar.subscriptions();
    let team = s.mock.add_product(MockProduct::monthly("Team", 4900));
    let once = s.mock.add_product(MockProduct::one_time("Book", 900));
    // Reset is refused unless Polar enabled it for the organization.
    let err = subs
        .change_product(&s.subscription, team, Proration::Reset)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "proration_behavior");
    // Not a recurring product; unknown product: 422 at product_id, never 404.
    let err = subs
        .change_product(&s.subscription, once, Proration::Prorate)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].message(), "Product is not recurring.");
    let err = subs
        .change_product(
            &s.subscription,
            "2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11",
            Proration::Prorate,
        )
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].message(), "Product does not exist.");
    // Next period: a pending update, the product unchanged until renewal.
    let sub = subs
        .change_product(&s.subscription, team, Proration::NextPeriod)
        .await
        .unwrap();
    assert_eq!(
        sub.product_id().map(|id| id.as_str()),
        Some(s.pro.to_string().as_str())
    );
    assert_eq!(
        sub.pending_update()
            .and_then(|p| p.product_id())
            .map(|id| id.as_str()),
        Some(team.to_string().as_str())
    );
    // Prorate applies now, without a charge during the request.
    let sub = subs
        .change_product(&s.subscription, team, Proration::Prorate)
        .await
        .unwrap();
    assert_eq!(sub.amount(), Some(4900));
    assert_eq!(update_charges(&s.mock), 0);
    // Invalid IDs: both reported, nothing sent.
    let err = subs
        .change_product("x", "y", Proration::Prorate)
        .await
        .unwrap_err();
    assert_eq!(err.problems().len(), 2);
    // Scheduled to cancel: product changes are refused.
    subs.cancel_at_period_end(&s.subscription).await.unwrap();
    let err = subs
        .change_product(&s.subscription, s.pro, Proration::Prorate)
        .await
        .unwrap_err();
    assert_eq!(err.polar_error_code(), Some("AlreadyCanceledSubscription"));
}

#[tokio::test]
async fn a_lost_discount_is_read_back_not_resent() {
    let s = setup().await;
    let discount = "8b0c2a4e-1d3f-4a5b-9c7d-0e1f2a3b4c5d";
    s.mock.fail_next_matching(
        Method::PATCH,
        PATH,
        1,
        Fault::ProxyErrorPageAfterStore { status: 504 },
    );
    let sub = s
        .polar
        .subscriptions()
        .discount(&s.subscription, Some(discount))
        .await
        .unwrap();
    assert_eq!(sub.discount_id(), Some(discount));
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 1);
    // The same discount again, deliberately: Polar's 422.
    let err = s
        .polar
        .subscriptions()
        .discount(&s.subscription, Some(discount))
        .await
        .unwrap_err();
    assert!(err.field_errors()[0].message().contains("already applied"));
    let sub = s
        .polar
        .subscriptions()
        .discount(&s.subscription, None)
        .await
        .unwrap();
    assert!(sub.discount_id().is_none());
}

#[tokio::test]
async fn seats_on_a_seat_based_subscription() {
    let s = setup_with(MockProduct::monthly("Team", 500).seat_based()).await;
    let subs = s.polar.subscriptions();
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let sub = subs
        .seats(&s.subscription, 5, Proration::Invoice)
        .await
        .unwrap();
    assert_eq!(sub.seats(), Some(5));
    assert_eq!(
        update_charges(&s.mock),
        1,
        "charged once for the added seats"
    );
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 1);
    let err = subs
        .seats(&s.subscription, 0, Proration::Prorate)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));

    let plain = setup().await;
    let err = plain
        .polar
        .subscriptions()
        .seats(&plain.subscription, 3, Proration::Prorate)
        .await
        .unwrap_err();
    assert_eq!(err.polar_error_code(), Some("NotASeatBasedSubscription"));
}

#[tokio::test]
async fn metadata_replaces_the_map_and_is_resent_after_a_lost_answer() {
    let s = setup().await;
    let mut map = BTreeMap::new();
    map.insert("plan".to_owned(), MetadataValue::from("pro"));
    map.insert("seats".to_owned(), MetadataValue::from(3));
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let sub = s
        .polar
        .subscriptions()
        .metadata(&s.subscription, map.clone())
        .await
        .unwrap();
    assert_eq!(sub.metadata(), &map);
    assert_eq!(
        requests_seen(&s.mock, "PATCH", PATH),
        2,
        "harmless to re-send"
    );
}

// ---- The fault matrix: each write × each fault that may land. ----

#[derive(Clone, Copy, Debug)]
enum Write {
    Cancel,
    Uncancel,
    Revoke,
    ProductProrate,
    ProductInvoice,
    Discount,
    Metadata,
}

impl Write {
    /// Whether the client may re-send it (Polar refuses or ignores a repeat).
    fn resendable(self) -> bool {
        matches!(self, Self::Cancel | Self::Revoke | Self::Metadata)
    }

    async fn run(self, s: &Setup, team: Uuid) -> Result<polar_client::Subscription, Error> {
        let subs = s.polar.subscriptions();
        let id = s.subscription.as_str();
        match self {
            Self::Cancel => subs.cancel_at_period_end(id).await,
            Self::Uncancel => subs.uncancel(id).await,
            Self::Revoke => subs.revoke(id).await,
            Self::ProductProrate => subs.change_product(id, team, Proration::Prorate).await,
            Self::ProductInvoice => subs.change_product(id, team, Proration::Invoice).await,
            Self::Discount => {
                subs.discount(id, Some("8b0c2a4e-1d3f-4a5b-9c7d-0e1f2a3b4c5d"))
                    .await
            }
            Self::Metadata => {
                let mut map = BTreeMap::new();
                map.insert("k".to_owned(), MetadataValue::from("v"));
                subs.metadata(id, map).await
            }
        }
    }

    /// Whether the stored subscription shows the write.
    fn shows(self, stored: &serde_json::Value, team: Uuid) -> bool {
        match self {
            Self::Cancel => stored["cancel_at_period_end"] == true,
            Self::Uncancel => stored["cancel_at_period_end"] == false,
            Self::Revoke => stored["status"] == "canceled",
            Self::ProductProrate | Self::ProductInvoice => {
                stored["product_id"] == team.to_string().as_str()
            }
            Self::Discount => stored["discount_id"].is_string(),
            Self::Metadata => stored["metadata"]["k"] == "v",
        }
    }

    /// The events that must appear exactly once for the write.
    fn event(self) -> Option<&'static str> {
        match self {
            Self::Cancel => Some("subscription.canceled"),
            Self::Uncancel => Some("subscription.uncanceled"),
            Self::Revoke => Some("subscription.revoked"),
            _ => None,
        }
    }
}

#[tokio::test]
async fn fault_matrix() {
    let writes = [
        Write::Cancel,
        Write::Uncancel,
        Write::Revoke,
        Write::ProductProrate,
        Write::ProductInvoice,
        Write::Discount,
        Write::Metadata,
    ];
    let faults = [
        Fault::DropAfterStore,
        Fault::ProxyErrorPageAfterStore { status: 504 },
        Fault::ServerError { status: 503 },
        Fault::DropBeforeStore,
        Fault::RateLimited {
            retry_after: Duration::from_secs(120),
        },
    ];
    for write in writes {
        for fault in &faults {
            let s = setup().await;
            let team = s.mock.add_product(MockProduct::monthly("Team", 4900));
            if matches!(write, Write::Uncancel) {
                s.polar
                    .subscriptions()
                    .cancel_at_period_end(&s.subscription)
                    .await
                    .unwrap();
            }
            let before = s.mock.events().len();
            let method = if matches!(write, Write::Revoke) {
                Method::DELETE
            } else {
                Method::PATCH
            };
            s.mock
                .fail_next_matching(method.clone(), PATH, 1, fault.clone());
            let result = write.run(&s, team).await;
            let now = stored(&s);
            let case = format!("{write:?} × {fault:?}: {result:?}");
            // Whatever the outcome, it is true of the mock's final state.
            match &result {
                Ok(sub) => {
                    assert!(write.shows(&now, team), "Ok but not stored: {case}");
                    assert_eq!(sub.id().as_str(), s.subscription, "{case}");
                }
                Err(err) => {
                    assert!(!write.shows(&now, team), "Err but stored: {case}");
                    if matches!(fault, Fault::RateLimited { .. }) {
                        assert!(matches!(err, Error::RateLimited { .. }), "{case}");
                    } else {
                        assert!(err.may_have_been_processed(), "{case}");
                        assert!(!write.resendable(), "a resendable write failed: {case}");
                    }
                }
            }
            let landed = matches!(
                fault,
                Fault::DropAfterStore | Fault::ProxyErrorPageAfterStore { .. }
            );
            if landed || write.resendable() && !matches!(fault, Fault::RateLimited { .. }) {
                assert!(result.is_ok(), "{case}");
            }
            // Nothing changed twice, nothing charged twice.
            if let Some(kind) = write.event() {
                let after: Vec<_> = s.mock.events().into_iter().skip(before).collect();
                let n = after.iter().filter(|e| e.event_type == kind).count();
                assert_eq!(n, usize::from(result.is_ok()), "{case}");
            }
            let charges = update_charges(&s.mock);
            let expected = usize::from(matches!(write, Write::ProductInvoice) && result.is_ok());
            assert_eq!(charges, expected, "{case}");
            if !write.resendable() {
                let sent = requests_seen(&s.mock, method.as_str(), PATH)
                    - usize::from(matches!(write, Write::Uncancel));
                assert_eq!(sent, 1, "never re-sent: {case}");
            }
        }
    }
}

#[tokio::test]
async fn ending_a_trial_now_bills_once_even_after_a_lost_answer() {
    let s = setup_with(MockProduct::monthly("Pro", 1900).trial_days(14)).await;
    let subs = s.polar.subscriptions();
    let trialing = subs.get(&s.subscription).await.unwrap();
    assert_eq!(trialing.status(), &SubscriptionStatus::Trialing);
    assert!(trialing.grants_access(polar_client::PastDuePolicy::DenyAccess));
    let cycles = |mock: &MockPolar| {
        mock.orders()
            .iter()
            .filter(|o| o["billing_reason"] == "subscription_cycle")
            .count()
    };
    s.mock
        .fail_next_matching(Method::PATCH, PATH, 1, Fault::DropAfterStore);
    let active = subs
        .trial(&s.subscription, polar_client::TrialEnd::Now)
        .await
        .unwrap();
    assert_eq!(active.status(), &SubscriptionStatus::Active);
    assert_eq!(requests_seen(&s.mock, "PATCH", PATH), 1, "never re-sent");
    assert_eq!(cycles(&s.mock), 1, "billed once");
    // Deliberately again: Polar's 422.
    let err = subs
        .trial(&s.subscription, polar_client::TrialEnd::Now)
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field(), "trial_end");
    // Extending an active one: after the period's end, it turns trialing.
    let later = chrono::Utc::now() + chrono::Duration::days(60);
    let extended = subs
        .trial(&s.subscription, polar_client::TrialEnd::At(later))
        .await
        .unwrap();
    assert_eq!(extended.status(), &SubscriptionStatus::Trialing);
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    let err = subs
        .trial(&s.subscription, polar_client::TrialEnd::At(past))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
}
