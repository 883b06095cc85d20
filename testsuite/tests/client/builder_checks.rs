//! What the builder refuses (plain http off loopback, URLs with credentials, query or fragment,
//! tokens that cannot be what the user meant), the `User-Agent` each configuration sends, and that
//! building a client changes nothing process-wide.

use polar_client::{Error, NewCustomer, Polar};

use crate::support;

use support::{SECRET, mock_with_secret};

fn build(token: &str, base_url: &str) -> Result<Polar, Error> {
    Polar::builder()
        .access_token(token)
        .base_url(base_url)
        .build()
}

fn config_message(result: Result<Polar, Error>) -> String {
    match result {
        Err(err @ Error::InvalidConfig { .. }) => err.to_string(),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn plain_http_is_for_loopback_unless_allowed() {
    for url in [
        "http://127.0.0.1:8765",
        "http://127.8.9.10",
        "http://[::1]:8765/",
        "http://localhost:8765",
        "http://LOCALHOST",
        "https://api.polar.sh",
        "https://example.org:8443/polar",
    ] {
        assert!(build("polar_oat_x", url).is_ok(), "{url}");
    }
    for url in [
        "http://api.polar.sh",
        "http://10.0.0.1",
        "http://[::2]",
        "http://localhost.example.org",
        "http://128.0.0.1",
    ] {
        let message = config_message(build("polar_oat_x", url));
        assert!(message.contains("unencrypted"), "{url}: {message}");
        assert!(message.contains("allow_insecure_http"), "{message}");
        let allowed = Polar::builder()
            .access_token("polar_oat_x")
            .base_url(url)
            .allow_insecure_http()
            .build();
        assert!(allowed.is_ok(), "{url}");
    }
}

#[test]
fn base_urls_with_query_fragment_or_credentials_are_refused() {
    for url in [
        "https://api.polar.sh/?tenant=1",
        "https://api.polar.sh?",
        "https://api.polar.sh/#frag",
        "http://127.0.0.1:9/x?y#z",
    ] {
        let message = config_message(build("polar_oat_x", url));
        assert!(message.contains("query or fragment"), "{url}: {message}");
    }
    for url in [
        "https://user:hunter2@api.polar.sh",
        "https://user@api.polar.sh",
        "https://:hunter2@api.polar.sh",
        "user:hunter2@api.polar.sh",
        "https://user:hunter2@",
    ] {
        let message = config_message(build("polar_oat_x", url));
        assert!(!message.contains("hunter2"), "{url}: {message}");
        assert!(
            !message.contains("user:") && !message.contains("user@"),
            "{url}: {message}"
        );
        let builder = Polar::builder().base_url(url);
        let debug = format!("{builder:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}

#[test]
fn tokens_that_cannot_be_meant_are_refused_without_being_shown() {
    for (token, hint) in [
        ("Bearer polar_oat_SECRETVALUE", "token alone"),
        ("bearer polar_oat_SECRETVALUE", "token alone"),
        ("BEARER\tpolar_oat_SECRETVALUE", "token alone"),
        ("polar_oat_SECRET VALUE", "whitespace"),
        ("polar_oat_SECRET\u{a0}VALUE", "visible ASCII"),
        ("polar_oat_SECRETVALUÉ", "visible ASCII"),
        ("polar_oat_SECRET\u{7f}VALUE", "visible ASCII"),
    ] {
        let message = config_message(build(token, "https://api.polar.sh"));
        assert!(message.contains(hint), "{token:?}: {message}");
        assert!(!message.contains("SECRET"), "{message}");
    }
    let message = config_message(build("Bearer polar_oat_x", "https://api.polar.sh"));
    assert!(message.contains("\"Bearer \""), "{message}");
    // A token that merely starts with the letters is a token.
    assert!(build("Bearerish_polar_oat_x", "https://api.polar.sh").is_ok());
}

async fn agent_sent(builder: polar_client::PolarBuilder) -> Option<String> {
    let mock = mock_with_secret().await;
    let polar = builder
        .access_token(SECRET)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    polar
        .customers()
        .create(NewCustomer::individual("ua@example.org"))
        .await
        .unwrap();
    let requests = mock.requests();
    requests[0].header("user-agent").map(str::to_owned)
}

#[tokio::test]
async fn the_user_agent_keeps_the_callers_product() {
    let ours = concat!("polar-client/", env!("CARGO_PKG_VERSION"));
    assert_eq!(agent_sent(Polar::builder()).await.as_deref(), Some(ours));
    assert_eq!(
        agent_sent(Polar::builder().user_agent("acme-billing/2.1")).await,
        Some(format!("acme-billing/2.1 {ours}"))
    );
    let theirs = || {
        reqwest::Client::builder()
            .user_agent("their-app/1.0")
            .build()
            .unwrap()
    };
    assert_eq!(
        agent_sent(Polar::builder().http_client(theirs()))
            .await
            .as_deref(),
        Some("their-app/1.0"),
        "the caller's own client keeps its User-Agent"
    );
    assert_eq!(
        agent_sent(
            Polar::builder()
                .http_client(theirs())
                .user_agent("acme-billing/2.1")
        )
        .await,
        Some(format!("acme-billing/2.1 {ours}"))
    );
    let message = config_message(
        Polar::builder()
            .access_token("polar_oat_x")
            .user_agent("acme\r\nX-Injected: 1")
            .build(),
    );
    assert!(message.contains("user agent"), "{message}");
}

#[test]
fn building_a_client_installs_no_process_wide_crypto_provider() {
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let polar = build("polar_oat_x", "https://api.polar.sh").unwrap();
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "Polar::build() must not install a default provider"
    );
    // The caller's own clients, before and after, build as they would without this crate.
    reqwest::Client::new();
    drop(polar);
}
