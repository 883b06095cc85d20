//! Everyday async patterns, written exactly as a user writes them: every future and stream the
//! crate returns owns what it needs (`'static + Send`), so handles made on the fly can be stored,
//! joined, buffered, spawned and handed to consumers that outlive them. If a handle borrowed the
//! client again, this file would stop compiling.

use futures_util::{StreamExt, TryStreamExt, stream};
use polar_client::{Customer, CustomerId, Error, MemberId, NewCustomer, Polar};
use polar_client_mock::MockPolar;

async fn polar() -> (MockPolar, Polar) {
    let mock = MockPolar::start().await.unwrap();
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    (mock, polar)
}

/// Requires what `tokio::spawn` and `'static` consumers require.
fn assert_static_send<T: Send + 'static>(value: T) -> T {
    value
}

#[tokio::test]
async fn a_future_stored_before_it_is_awaited() {
    let (_mock, polar) = polar().await;
    polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_1"))
        .await
        .unwrap();
    let fut = polar.customers().get_by_external_id("usr_1");
    let customer = fut.await.unwrap();
    assert_eq!(customer.external_id(), Some("usr_1"));
}

#[tokio::test]
async fn two_calls_joined() {
    let (_mock, polar) = polar().await;
    let created = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org"))
        .await
        .unwrap();
    let (customer, state) = tokio::join!(
        polar.customers().get(created.id()),
        polar.customers().state(created.id())
    );
    assert_eq!(customer.unwrap().id(), created.id());
    assert_eq!(state.unwrap().customer().id(), created.id());
}

#[tokio::test]
async fn creates_buffered_unordered() {
    let (mock, polar) = polar().await;
    let results: Vec<_> = stream::iter(0..20)
        .map(|i| {
            NewCustomer::individual(format!("user{i}@example.org")).external_id(format!("usr_{i}"))
        })
        .map(|c| polar.customers().create_or_get(c))
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(results.len(), 20);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|c| c.was_created()))
    );
    assert_eq!(mock.customers().len(), 20);
}

#[tokio::test]
async fn a_call_spawned_from_a_temporary_handle_and_a_borrowed_id() {
    let (_mock, polar) = polar().await;
    let created = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org"))
        .await
        .unwrap();
    let id: String = created.id().to_string();
    // The ID is borrowed only while the call is made: the spawned task owns its copy.
    let task = tokio::spawn(polar.customers().get(id.as_str()));
    drop(id);
    let fetched: Customer = task.await.unwrap().unwrap();
    assert_eq!(fetched.id(), created.id());
}

#[tokio::test]
async fn a_list_stream_handed_to_a_static_consumer() {
    let (_mock, polar) = polar().await;
    for i in 0..5 {
        polar
            .customers()
            .create(NewCustomer::individual(format!("user{i}@example.org")))
            .await
            .unwrap();
    }
    // As a web framework's body-from-stream would take it: owned, 'static, Send.
    let walk = assert_static_send(polar.customers().list().page_size(2).stream());
    let emails = tokio::spawn(async move {
        walk.map_ok(|c| c.email().unwrap_or_default().to_owned())
            .try_collect::<Vec<_>>()
            .await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(emails.len(), 5);
}

#[tokio::test]
async fn member_and_session_futures_are_static_too() {
    let (_mock, polar) = polar().await;
    let member = polar
        .members()
        .get("992fae2a-2a17-4b7a-8d9e-e287cf90131b", "not-a-uuid");
    let err = assert_static_send(member).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let session =
        polar
            .customer_sessions()
            .create(polar_client::NewCustomerSession::for_external_id(
                "usr_missing",
            ));
    assert!(assert_static_send(session).await.is_err());
}

#[test]
fn typed_ids_convert_from_strings_and_do_not_mix() {
    let customer = CustomerId::from("992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    let member: MemberId = "5d0c9a52-6d4c-4d3a-b2a5-0c3f0a6e8b11".into();
    assert_eq!(customer, "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_ne!(customer.as_str(), member.as_str());
    // `From<&MemberId> for CustomerId` does not exist: passing a member ID where a customer ID
    // is expected does not compile (the `compile_fail` doctest of `Members::get`).
}
