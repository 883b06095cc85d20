//! A SaaS's billing, end to end against the in-process mock (no account, no token): sign-up →
//! checkout → the buyer pays (the mock completes the checkout) → the webhooks Polar sends,
//! signed and verified → entitlement from the customer's state → cancel at period end (still
//! entitled) → revoke (no longer entitled).
//!
//! ```sh
//! cargo run --example saas_billing
//! ```
//!
//! Exit status: 0 when every step succeeded, 1 on the first error.

use std::process::ExitCode;

use futures_util::TryStreamExt;
use polar_client::webhooks::{self, Event, WebhookSecret, WebhookVerifier};
use polar_client::{NewCheckout, NewCustomer, PastDuePolicy, Polar, SubscriptionStatus};
use polar_client_mock::{Buyer, MockPolar, MockProduct, Uuid};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockPolar::start().await?;
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .build()?;
    let pro = mock.add_product(MockProduct::monthly("Pro", 1900));

    // 1. Sign-up: the user becomes a Polar customer, keyed by our user ID.
    let customer = polar
        .customers()
        .create_or_get(NewCustomer::individual("ada@example.org").external_id("user_42"))
        .await?
        .into_customer();
    println!("1. customer {} for user_42", customer.id());

    // 2. Checkout for that customer; send the buyer to its URL.
    let checkout = polar
        .checkouts()
        .create(
            NewCheckout::new([pro])
                .for_customer(customer.id())
                .success_url("https://app.example.org/billing/done?checkout={CHECKOUT_ID}")
                .metadata("signup", "user_42"),
        )
        .await?;
    println!(
        "2. checkout {} ({:?}), expires {:?}",
        checkout.id(),
        checkout.status(),
        checkout.expires_at()
    );

    // 3. The buyer pays: here the mock completes the checkout as Polar would.
    let events_before = mock.events().len();
    mock.complete_checkout(
        Uuid::parse_str(checkout.id())?,
        Buyer::new("ada@example.org"),
    )?;
    println!("3. paid");

    // 4. The webhooks Polar sends for it, each signed and verified as a receiver would.
    let secret = WebhookSecret::new("whsec_saas_billing_demo");
    let verifier = WebhookVerifier::new(secret.clone());
    let now = std::time::SystemTime::now();
    for (n, recorded) in mock.events().into_iter().enumerate().skip(events_before) {
        let body = serde_json::to_vec(&recorded.envelope())?;
        let headers = webhooks::sign(&secret, &format!("msg_{n}"), now, &body)?;
        let delivery = verifier.verify_at(&headers, &body, now)?;
        let status = match delivery.event() {
            Event::Other { data, .. } => data["status"].as_str().unwrap_or("-").to_owned(),
            _ => "-".to_owned(),
        };
        println!(
            "4. verified {:<24} status {status}",
            delivery.event().event_type()
        );
    }

    // 5. Entitlement: from the customer's state, or from the subscription itself.
    let state = polar.customers().state(customer.id()).await?;
    let subscription = polar
        .subscriptions()
        .list()
        .customer_id(customer.id())
        .status(SubscriptionStatus::Active)
        .stream()
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .next()
        .ok_or("no active subscription after the checkout")?;
    println!(
        "5. {} active subscription(s); entitled: {}",
        state.active_subscriptions().len(),
        subscription.grants_access(PastDuePolicy::DenyAccess)
    );

    // 6. The user cancels: entitled until the period ends.
    let canceled = polar
        .subscriptions()
        .cancel_at_period_end(subscription.id())
        .await?;
    println!(
        "6. canceled at period end (ends {:?}); still entitled: {}",
        canceled.ends_at(),
        canceled.grants_access(PastDuePolicy::DenyAccess)
    );

    // 7. Revoked now (e.g. a refund): access ends.
    let revoked = polar.subscriptions().revoke(subscription.id()).await?;
    let state = polar.customers().state(customer.id()).await?;
    println!(
        "7. revoked ({:?}); entitled: {}; active subscriptions in state: {}",
        revoked.status(),
        revoked.grants_access(PastDuePolicy::GrantAccess),
        state.active_subscriptions().len()
    );
    if revoked.grants_access(PastDuePolicy::GrantAccess) || !state.active_subscriptions().is_empty()
    {
        return Err("still entitled after the revoke".into());
    }
    Ok(())
}
