//! Creates the customer from Polar's API documentation and prints it.
//!
//! ```sh
//! cargo run --example create_customer
//! ```
//!
//! Without `POLAR_ACCESS_TOKEN` it starts a local mock Polar in-process and runs against it, so
//! it works on a fresh machine with no account. Environment:
//!
//! - `POLAR_ACCESS_TOKEN`: your organization (`polar_oat_…`) or personal (`polar_pat_…`) token;
//! - `POLAR_SERVER`: `production` (the default), `sandbox`, or a base URL such as
//!   `http://127.0.0.1:8765`;
//! - `POLAR_ORGANIZATION_ID`: sent only when set (needed with a personal access token).
//!
//! Exit status: 0 when the customer was created or already exists, 1 on any other error.

use std::process::ExitCode;

#[path = "support/connect.rs"]
mod connect;

use connect::{connect, env};
use polar_client::{Country, Customer, NewAddress, NewCustomer, Owner, Polar};

#[tokio::main]
async fn main() -> ExitCode {
    // `_mock` keeps the local server (if one was started) running until the end of `main`.
    let (polar, _mock) = match connect().await {
        Ok(connected) => connected,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match polar.customers().create(seed_customer()).await {
        Ok(customer) => {
            print_customer(&customer, &polar);
            ExitCode::SUCCESS
        }
        Err(e) if e.is_duplicate_email() || e.is_duplicate_external_id() => {
            println!(
                "The customer already exists in Polar; nothing was created.\n  Polar said: {e}"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The customer of Polar's "Create Customer" documentation page.
fn seed_customer() -> NewCustomer {
    let customer = NewCustomer::individual("customer@example.com")
        .name("John Doe")
        .external_id("usr_1337")
        .billing_address(NewAddress::new(Country::US))
        .locale("en")
        .owner(
            Owner::new("member@example.com")
                .name("Jane Doe")
                .external_id("usr_1337"),
        );
    match env("POLAR_ORGANIZATION_ID") {
        Some(organization_id) => customer.organization_id(organization_id),
        None => customer,
    }
}

fn print_customer(customer: &Customer, polar: &Polar) {
    let shown = |value: Option<&str>| value.unwrap_or("-").to_owned();
    println!("Created customer at {}:", polar.base_url());
    println!("  id             {}", customer.id());
    println!("  email          {}", shown(customer.email()));
    println!("  name           {}", shown(customer.name()));
    println!("  external id    {}", shown(customer.external_id()));
    let country = customer.billing_address().map(|a| a.country().to_string());
    println!("  country        {}", shown(country.as_deref()));
    println!("  created at     {}", customer.created_at());
    println!("  Polar-Version  {}", polar.api_version());
    if customer.was_recovered() {
        println!("  (found by external id after a retried request: created exactly once)");
    }
}
