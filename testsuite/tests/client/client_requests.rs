//! What goes on the wire, what the builder refuses, and what each answer becomes.

use std::time::Duration;

use polar_client::{Country, Error, NewAddress, NewCustomer, Polar};

use crate::support;

use support::{SECRET, client, mock_with_secret};

#[tokio::test]
async fn every_request_carries_our_headers_and_a_content_length() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    polar
        .customers()
        .create(NewCustomer::individual("h@example.org").external_id("usr_h"))
        .await
        .unwrap();
    polar.customers().get_by_external_id("usr_h").await.unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
        assert_eq!(request.header("polar-version"), Some("2026-04"));
        assert_eq!(request.header("accept"), Some("application/json"));
        let agent = request.header("user-agent").unwrap();
        assert!(agent.starts_with("polar-client/"), "{agent}");
        assert_eq!(
            request.header("api-version"),
            None,
            "progenitor's header must not leak"
        );
    }
    let post = &requests[0];
    assert_eq!(post.path, "/v1/customers/");
    assert_eq!(
        post.header("content-length"),
        Some(post.body.len().to_string().as_str())
    );
    assert_eq!(post.header("transfer-encoding"), None);
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["type"], "individual");
    assert_eq!(requests[1].path, "/v1/customers/external/usr_h");
}

#[tokio::test]
async fn the_seed_customer_round_trips() {
    let mock = mock_with_secret().await;
    let customer = client(&mock)
        .customers()
        .create(
            NewCustomer::individual("customer@example.com")
                .name("John Doe")
                .external_id("usr_1337")
                .billing_address(NewAddress::new(Country::US))
                .locale("en")
                .owner(
                    polar_client::Owner::new("member@example.com")
                        .name("Jane Doe")
                        .external_id("usr_1337"),
                ),
        )
        .await
        .unwrap();
    assert_eq!(customer.email(), Some("customer@example.com"));
    assert_eq!(customer.name(), Some("John Doe"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(
        customer.billing_address().map(|a| a.country().clone()),
        Some(Country::US)
    );
    assert!(customer.is_individual());
}

#[tokio::test]
async fn the_create_body_is_exactly_what_polar_expects() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let team = NewCustomer::team()
        .external_id("team_42")
        .name("Acme Inc")
        .billing_address(NewAddress::new(Country::DE).city("Berlin"))
        .metadata("plan", "pro")
        .metadata("seats", 3)
        .owner(polar_client::Owner::new("owner@acme.test"));
    polar.customers().create(team).await.unwrap();
    let requests = mock.requests();
    let sent: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({
            "type": "team",
            "external_id": "team_42",
            "name": "Acme Inc",
            "billing_address": { "country": "DE", "city": "Berlin" },
            "metadata": { "plan": "pro", "seats": 3 },
            "owner": { "email": "owner@acme.test" }
        })
    );
}

#[tokio::test]
async fn an_invalid_create_sends_nothing_and_lists_every_problem() {
    let mock = mock_with_secret().await;
    let err = client(&mock)
        .customers()
        .create(
            NewCustomer::individual("not an email")
                .name("x".repeat(300))
                .locale("english"),
        )
        .await
        .unwrap_err();
    let Error::InvalidInput { problems, .. } = &err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field()).collect();
    assert_eq!(fields, ["email", "name", "locale"]);
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn an_unsupported_version_is_named_as_such() {
    let mock = mock_with_secret().await;
    let polar = Polar::builder()
        .access_token(SECRET)
        .base_url(mock.base_url())
        .api_version("2019-01")
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("v@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedApiVersion { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("2019-01"), "{err}");
}

#[tokio::test]
async fn a_missing_external_id_is_not_found() {
    let mock = mock_with_secret().await;
    let err = client(&mock)
        .customers()
        .get_by_external_id("nobody")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string()
            .contains(r#"no customer with external ID "nobody""#),
        "the error names what was looked up: {err}"
    );
}

#[tokio::test]
async fn a_wrong_token_says_environments_differ() {
    let mock = mock_with_secret().await;
    let polar = Polar::builder()
        .access_token("polar_oat_other")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("w@example.org"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("sandbox"), "{err}");
}

#[test]
fn the_builder_refuses_unusable_configuration() {
    let cases = [
        Polar::builder().build(),
        Polar::builder().access_token("   ").build(),
        Polar::builder().access_token("polar_oat_a\nb").build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .base_url("not a url")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .base_url("ftp://example.org")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .api_version("")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .api_version("2026-04 é")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .timeout(Duration::ZERO)
            .build(),
    ];
    for case in cases {
        let err = case.unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err:?}");
        assert!(!err.to_string().contains("polar_oat_a"), "{err}");
    }
    let polar = Polar::builder()
        .access_token(" polar_oat_x\n")
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    assert_eq!(polar.base_url(), "http://127.0.0.1:9");
    assert_eq!(polar.api_version(), "2026-04");
}
