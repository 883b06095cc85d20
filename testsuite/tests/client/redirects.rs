//! Redirects over real HTTP: the client we build follows none (a create's body never goes
//! elsewhere, a 307 to itself is one request), and an answer a caller's own client fetched from
//! another origin is never taken for Polar's.

use polar_client::{Error, NewCustomer, Polar};

use crate::fixtures;
use crate::support;

use support::raw::{RawServer, response};

/// A server answering every request with `status` and a `Location`.
async fn redirecting(status: u16, location: String) -> RawServer {
    RawServer::start(move |_| response(status, &[("location", location.as_str())], b"")).await
}

/// A server that answers every request as Polar would a successful create.
async fn accepting() -> RawServer {
    let body = fixtures::individual_201().to_string();
    RawServer::start(move |request| {
        let status = if request.method == "POST" { 201 } else { 200 };
        response(
            status,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
    })
    .await
}

fn client_for(server: &RawServer, http: Option<reqwest::Client>) -> Polar {
    let builder = Polar::builder()
        .access_token("polar_oat_redirects")
        .base_url(server.base_url());
    match http {
        Some(http) => builder.http_client(http),
        None => builder,
    }
    .build()
    .unwrap()
}

fn jane() -> NewCustomer {
    NewCustomer::individual("jane@example.org").external_id("usr_jane")
}

#[tokio::test]
async fn our_client_follows_no_redirect_to_another_origin() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = accepting().await;
        let target = format!("{}/v1/customers/", elsewhere.base_url());
        let origin = redirecting(status, target.clone()).await;
        let err = client_for(&origin, None)
            .customers()
            .create(jane())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Redirected { status: s, location, followed: false, .. }
                if *s == status && *location == target),
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains(&target), "{err}");
        let sent = origin.requests();
        assert_eq!(sent.len(), 1, "{status}: one POST, no retry");
        assert_eq!(sent[0].method, "POST");
        assert!(
            elsewhere.requests().is_empty(),
            "{status}: the body went elsewhere"
        );
    }
}

#[tokio::test]
async fn a_redirect_to_itself_is_one_request() {
    let server = RawServer::start(|_| response(307, &[("location", "/v1/customers/")], b"")).await;
    let polar = client_for(&server, None);
    let err = polar.customers().create(jane()).await.unwrap_err();
    assert!(
        matches!(err, Error::Redirected { status: 307, .. }),
        "{err:?}"
    );
    let err = polar
        .customers()
        .get_by_external_id("usr_jane")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Redirected { status: 307, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_answer_from_another_origin_is_not_polars() {
    // A caller's client with reqwest's default policy follows the redirect: the other server's
    // 201 (for a 307) or 200 (for a 303, turned into a GET) must not read as success.
    for (status, method) in [(307, "POST"), (303, "GET")] {
        let elsewhere = accepting().await;
        let target = format!("{}/v1/customers/", elsewhere.base_url());
        let origin = redirecting(status, target).await;
        let polar = client_for(&origin, Some(reqwest::Client::new()));
        let err = polar.customers().create(jane()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Redirected { followed: true, location, .. }
                if *location == elsewhere.base_url()),
            "{status}: {err:?}"
        );
        assert!(!err.may_have_been_processed());
        let seen: Vec<String> = elsewhere.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(
            seen,
            [method],
            "{status}: what the caller's client sent there"
        );
    }
}
