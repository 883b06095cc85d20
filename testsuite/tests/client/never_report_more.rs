//! A call reports only what it knows, over real HTTP against the mock: an error after an attempt
//! that may have landed says so whatever ended the call; a retried write by external ID never
//! reaches another customer; a `404` after a lost answer is not a confirmed delete, and an
//! anonymization is never claimed unseen; a refusal is a refusal however its body ended; a secret
//! field never shows in an error's `Debug`.

use crate::support;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::Method;
use polar_client::{
    CustomerUpdate, Deleted, Error, MemberUpdate, NewCustomer, NewCustomerSession, NewMember,
    Polar, RetryPolicy,
};
use polar_client_mock::{Fault, MockPolar};

use support::{SECRET, requests_seen};

/// A client whose retries start at once (no jitter), with the default `max_retry_after` (5 s).
fn client(mock: &MockPolar) -> Polar {
    Polar::builder()
        .access_token(SECRET)
        .base_url(mock.base_url())
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

async fn mock(member_model: bool) -> MockPolar {
    MockPolar::builder()
        .organization_token(SECRET)
        .member_model(member_model)
        .start()
        .await
        .unwrap()
}

type Call = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// One write of the matrix: its name, the method and path prefix its write is sent to, and the
/// call itself (made against a fresh team customer `usr_t` with member `mem_1`).
struct Write {
    name: &'static str,
    method: Method,
    path: &'static str,
    call: fn(&Polar, &str, &str) -> Call,
}

fn writes() -> Vec<Write> {
    vec![
        Write {
            name: "customers:update",
            method: Method::PATCH,
            path: "/v1/customers/",
            call: |p, c, _| {
                let f = p.customers().update(c, CustomerUpdate::new().name("New"));
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "customers:update by external ID",
            method: Method::PATCH,
            path: "/v1/customers/",
            call: |p, _, _| {
                let f = p
                    .customers()
                    .update_by_external_id("usr_t", CustomerUpdate::new().name("New"));
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "customers:delete",
            method: Method::DELETE,
            path: "/v1/customers/",
            call: |p, c, _| {
                let f = p.customers().delete(c);
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "customers:delete by external ID",
            method: Method::DELETE,
            path: "/v1/customers/",
            call: |p, _, _| {
                let f = p.customers().delete_by_external_id("usr_t");
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "customers:anonymize",
            method: Method::DELETE,
            path: "/v1/customers/",
            call: |p, c, _| Box::pin(p.customers().anonymize(c)),
        },
        Write {
            name: "members:create",
            method: Method::POST,
            path: "/v1/customers/",
            call: |p, c, _| {
                let f = p.members().create(c, NewMember::new("new@acme.test"));
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "members:update",
            method: Method::PATCH,
            path: "/v1/customers/",
            call: |p, c, m| {
                let f = p.members().update(c, m, MemberUpdate::new().name("Ann"));
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "members:delete",
            method: Method::DELETE,
            path: "/v1/customers/",
            call: |p, c, m| {
                let f = p.members().delete(c, m);
                Box::pin(async move { f.await.map(drop) })
            },
        },
        Write {
            name: "customer-sessions:create",
            method: Method::POST,
            path: "/v1/customer-sessions/",
            call: |p, c, _| {
                let f = p
                    .customer_sessions()
                    .create(NewCustomerSession::for_customer(c));
                Box::pin(async move { f.await.map(drop) })
            },
        },
    ]
}

/// Faults after which the write may have been carried out.
fn landing_faults() -> Vec<Fault> {
    vec![
        Fault::DropAfterStore,
        Fault::ProxyErrorPageAfterStore { status: 504 },
    ]
}

/// Every write × every fault that may land, then a `429` whose `Retry-After` (30 s) is over the
/// policy's cap: the call ends on the 429, and its error must still say the write may have been
/// carried out.
#[tokio::test]
async fn an_error_after_a_landed_attempt_says_it_may_have_been_processed() {
    let mut checked = 0;
    for write in writes() {
        for fault in landing_faults() {
            let mock = mock(true).await;
            let polar = client(&mock);
            let team = polar
                .customers()
                .create(
                    NewCustomer::team()
                        .email("team@acme.test")
                        .external_id("usr_t"),
                )
                .await
                .unwrap();
            let member = polar
                .members()
                .create(
                    team.id(),
                    NewMember::new("ann@acme.test").external_id("mem_1"),
                )
                .await
                .unwrap();
            mock.fail_next_matching(write.method.clone(), write.path, 1, fault.clone());
            mock.fail_next_matching(
                write.method.clone(),
                write.path,
                1,
                Fault::RateLimited {
                    retry_after: Duration::from_secs(30),
                },
            );
            let result = (write.call)(&polar, team.id(), member.id()).await;
            let err = result.expect_err(write.name);
            assert!(
                err.may_have_been_processed(),
                "{} after {fault:?}: {err}",
                write.name
            );
            assert_eq!(err.kind(), "outcome_unknown", "{}: {err}", write.name);
            assert_eq!(err.status(), Some(429), "the last attempt's status");
            assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

/// Attempt 1 deletes A and its answer is lost; meanwhile B takes A's freed external ID; the
/// retry must not delete B.
#[tokio::test]
async fn a_retried_delete_by_external_id_never_reaches_the_customer_who_took_the_id() {
    for anonymize in [false, true] {
        let mock = mock(false).await;
        let polar = Polar::builder()
            .access_token(SECRET)
            .base_url(mock.base_url())
            .retry_policy(
                RetryPolicy::new()
                    .jitter(false)
                    .initial_backoff(Duration::from_millis(300)),
            )
            .build()
            .unwrap();
        let a = polar
            .customers()
            .create(NewCustomer::individual("a@example.org").external_id("usr_1"))
            .await
            .unwrap();
        mock.fail_next_matching(Method::DELETE, "/v1/customers/", 1, Fault::DropAfterStore);
        let call = if anonymize {
            tokio::spawn(polar.customers().anonymize_by_external_id("usr_1"))
        } else {
            let f = polar.customers().delete_by_external_id("usr_1");
            tokio::spawn(async move { f.await.map(drop) })
        };
        // As soon as A is gone (the first attempt landed), B takes its external ID.
        let mut b = None;
        for _ in 0..200 {
            if polar.customers().get(a.id()).await.is_err() {
                b = Some(
                    polar
                        .customers()
                        .create(NewCustomer::individual("b@example.org").external_id("usr_1"))
                        .await
                        .unwrap(),
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let b = b.expect("the first attempt deleted A");
        let _ = call.await.unwrap();
        let still = polar.customers().get_by_external_id("usr_1").await.unwrap();
        assert_eq!(
            still.id(),
            b.id(),
            "B is untouched (anonymize: {anonymize})"
        );
        assert_eq!(
            requests_seen(&mock, "DELETE", &format!("/v1/customers/{}", b.id())),
            0
        );
    }
}

/// A never-existing customer: without a fault the delete is `NotFound`; after a fault whose
/// attempt may have landed it is `GoneAfterLostAnswer`, never `ByThisCall`; a 404 whose body is
/// cut short is still `NotFound`.
#[tokio::test]
async fn a_404_after_a_fault_is_never_a_confirmed_delete() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let nobody = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
    let err = polar.customers().delete(nobody).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    for fault in [
        Fault::ProxyErrorPage { status: 502 },
        Fault::ServerError { status: 503 },
        Fault::ServerError { status: 408 },
    ] {
        mock.fail_next_matching(Method::DELETE, "/v1/customers/", 1, fault.clone());
        let outcome = polar.customers().delete(nobody).await.unwrap();
        assert_eq!(outcome, Deleted::GoneAfterLostAnswer, "after {fault:?}");
        assert!(!outcome.is_confirmed());
    }

    mock.fail_next_matching(Method::DELETE, "/v1/customers/", 1, Fault::TruncatedBody);
    let err = polar.customers().delete(nobody).await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound { .. }),
        "a 404 is a 404 however its body ended: {err:?}"
    );
    assert!(!err.may_have_been_processed());
}

/// A customer deleted plainly earlier, then anonymized after a 503: the email is still stored,
/// so the call must not say it anonymized anything.
#[tokio::test]
async fn anonymize_never_claims_an_anonymization_it_cannot_know() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org"))
        .await
        .unwrap();
    polar.customers().delete(jane.id()).await.unwrap();
    mock.fail_next_matching(
        Method::DELETE,
        "/v1/customers/",
        1,
        Fault::ServerError { status: 503 },
    );
    let err = polar.customers().anonymize(jane.id()).await.unwrap_err();
    assert_eq!(err.kind(), "outcome_unknown", "{err}");
    assert!(err.may_have_been_processed());
    let stored = mock.customers();
    let record = stored
        .iter()
        .find(|c| c["id"] == jane.id().as_str())
        .unwrap();
    assert_eq!(
        record["email"], "jane@example.org",
        "indeed never anonymized"
    );
}

/// A session whose answer cannot be decoded: the token never shows in the error's `Debug` or
/// `Display`, wherever it sits in the body.
#[tokio::test]
async fn a_secret_field_never_shows_in_an_undecodable_answer() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let token = "polar_cst_TopSecretSessionToken";
    for body in [
        format!(r#"{{"token": "{token}", "id": 7}}"#),
        format!(r#"{{"id": 7, "customer_portal_url": "x", "token": "{token}"}}"#),
        format!(r#"{{"client_secret": "{token}", "id": 7}}"#),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_string(body))
            .mount(&server)
            .await;
        let polar = Polar::builder()
            .access_token(SECRET)
            .base_url(server.uri())
            .build()
            .unwrap();
        let err = polar
            .customer_sessions()
            .create(NewCustomerSession::for_external_id("usr_1"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_response", "{err:?}");
        assert!(!format!("{err:?}").contains("TopSecret"), "{err:?}");
        assert!(!err.to_string().contains("TopSecret"));
    }
}
