//! A customer's whole life through the crate: create (or get) → update → state → customer portal
//! link → delete, printing each step.
//!
//! ```sh
//! cargo run --example customer_lifecycle
//! ```
//!
//! Without `POLAR_ACCESS_TOKEN` it starts a local mock Polar in-process and runs against it, so
//! it works on a fresh machine with no account. With a token (see `examples/support/connect.rs`
//! for `POLAR_SERVER` and `POLAR_ORGANIZATION_ID`) it runs against Polar: use a sandbox
//! organization, as the customer it makes (`lifecycle-demo@example.com`, external ID
//! `polar-client-lifecycle-demo`) is deleted again at the end.
//!
//! Exit status: 0 when every step succeeded, 1 on the first error.

#[path = "support/connect.rs"]
mod connect;

use std::process::ExitCode;

use connect::{connect, env};
use polar_client::{CustomerUpdate, NewCustomer, NewCustomerSession, Polar};

/// The demo customer's ID in "your system".
const EXTERNAL_ID: &str = "polar-client-lifecycle-demo";

#[tokio::main]
async fn main() -> ExitCode {
    // `_mock` keeps the local server (if one was started) running until the end of `main`.
    let result = match connect().await {
        Ok((polar, _mock)) => lifecycle(&polar).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The five steps, stopping at the first error.
async fn lifecycle(polar: &Polar) -> Result<(), Box<dyn std::error::Error>> {
    let customers = polar.customers();

    let mut new = NewCustomer::individual("lifecycle-demo@example.com")
        .name("Lifecycle Demo")
        .external_id(EXTERNAL_ID);
    if let Some(organization_id) = env("POLAR_ORGANIZATION_ID") {
        new = new.organization_id(organization_id);
    }
    let outcome = customers.create_or_get(new).await?;
    let verb = if outcome.was_created() {
        "created"
    } else {
        "found"
    };
    let customer = outcome.into_customer();
    println!("1. {verb} customer {} ({})", customer.id(), EXTERNAL_ID);

    let update = CustomerUpdate::new()
        .name("Lifecycle Demo (renamed)")
        .replace_metadata([("plan", "demo")]);
    let customer = customers.update(customer.id(), update).await?;
    println!(
        "2. updated: name {:?}, metadata {:?}",
        customer.name().unwrap_or("-"),
        customer.metadata()
    );

    let state = customers.state(customer.id()).await?;
    println!(
        "3. state: {} active subscription(s), {} benefit(s), {} meter(s)",
        state.active_subscriptions().len(),
        state.granted_benefits().len(),
        state.active_meters().len()
    );

    let session = polar
        .customer_sessions()
        .create(
            NewCustomerSession::for_customer(customer.id())
                .return_url("https://example.com/account"),
        )
        .await?;
    println!(
        "4. customer portal link (expires {}): {}",
        session.expires_at(),
        session.customer_portal_url()
    );

    customers.delete(customer.id()).await?;
    println!("5. deleted {}", customer.id());
    Ok(())
}
