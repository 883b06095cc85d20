//! What the examples share: a client configured from the environment, or one talking to a local
//! mock Polar started in-process when no access token is set.
//!
//! Environment: `POLAR_ACCESS_TOKEN` (organization `polar_oat_…` or personal `polar_pat_…`
//! token), `POLAR_SERVER` (`production`, the default, `sandbox`, or a base URL such as
//! `http://127.0.0.1:8765`), `POLAR_ORGANIZATION_ID` (read by the examples that create customers).

use polar_client::{Polar, Server};
use polar_client_mock::MockPolar;

/// A client configured from the environment, or one talking to a freshly started mock (kept
/// running as long as the returned `MockPolar` lives).
pub async fn connect() -> Result<(Polar, Option<MockPolar>), Box<dyn std::error::Error>> {
    let Some(token) = env("POLAR_ACCESS_TOKEN") else {
        let mock = MockPolar::start().await?;
        println!(
            "POLAR_ACCESS_TOKEN is not set: using a local mock Polar at {}.",
            mock.base_url()
        );
        let polar = Polar::builder()
            .access_token(mock.organization_token())
            .base_url(mock.base_url())
            .build()?;
        return Ok((polar, Some(mock)));
    };
    let builder = match env("POLAR_SERVER").as_deref() {
        None | Some("production") => Polar::builder().server(Server::Production),
        Some("sandbox") => Polar::builder().server(Server::Sandbox),
        Some(url) => Polar::builder().base_url(url),
    };
    Ok((builder.access_token(token).build()?, None))
}

/// An environment variable, treating unset, empty and non-Unicode alike.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}
