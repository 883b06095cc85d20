//! Shared setup of the client test files: a mock Polar with a known secret token and a client for it.
#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

use polar_client::{Polar, RetryPolicy};
use polar_client_mock::MockPolar;

pub const SECRET: &str = "polar_oat_SuperSecretValue123";

pub async fn mock_with_secret() -> MockPolar {
    MockPolar::builder()
        .organization_token(SECRET)
        .start()
        .await
        .unwrap()
}

/// How many requests `mock` received with `method` and a path starting with `path_prefix`.
pub fn requests_seen(mock: &MockPolar, method: &str, path_prefix: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path_prefix))
        .count()
}

/// How many customers `mock` stores, asserting that no email is stored twice (every create
/// done exactly once).
pub fn stored_once(mock: &MockPolar) -> usize {
    let customers = mock.customers();
    let emails: std::collections::HashSet<&str> = customers
        .iter()
        .map(|c| c["email"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(emails.len(), customers.len(), "a customer stored twice");
    emails.len()
}

pub fn client(mock: &MockPolar) -> Polar {
    Polar::builder()
        .access_token(SECRET)
        .base_url(format!("{}/", mock.base_url()))
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}
pub mod raw;
