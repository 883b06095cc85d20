//! Runs the mock Polar server on 127.0.0.1 for manual and load testing.
//!
//! ```sh
//! cargo run --example mock_server -- [PORT] [SECONDS]
//! ```
//! PORT defaults to 8766 (0 picks a free port); without SECONDS it serves until Ctrl-C. Set
//! `MOCK_MEMBER_MODEL=1` to turn on the organization's member model (members and member
//! sessions).

use polar_client_mock::MockPolar;
use std::time::Duration;

/// The port used when none is given.
const DEFAULT_PORT: u16 = 8766;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port = match args.next() {
        Some(port) => port
            .parse::<u16>()
            .map_err(|e| format!("PORT {port:?}: {e}"))?,
        None => DEFAULT_PORT,
    };
    let lifetime = match args.next() {
        Some(seconds) => Some(Duration::from_secs(
            seconds
                .parse::<u64>()
                .map_err(|e| format!("SECONDS {seconds:?}: {e}"))?,
        )),
        None => None,
    };

    let member_model = std::env::var_os("MOCK_MEMBER_MODEL").is_some_and(|value| value == "1");
    let polar = MockPolar::builder()
        .port(port)
        .member_model(member_model)
        .start()
        .await?;

    println!("base_url={}", polar.base_url());
    println!("token={}", polar.organization_token());
    println!("organization_id={}", polar.organization_id());

    match lifetime {
        Some(lifetime) => tokio::select! {
            () = tokio::time::sleep(lifetime) => {}
            signal = tokio::signal::ctrl_c() => signal?,
        },
        None => tokio::signal::ctrl_c().await?,
    }
    println!(
        "served {} requests, stored {} customers, recorded {} events",
        polar.requests().len(),
        polar.customers().len(),
        polar.events().len()
    );
    Ok(())
}
