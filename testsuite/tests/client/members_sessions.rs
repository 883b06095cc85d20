//! Members and customer portal sessions through the public API, against the crate's mock Polar
//! over loopback: Polar's member rules (the member model switch, one member for individuals,
//! create idempotent by email, ownership transfer, the only-owner rules), lost answers, and
//! portal sessions by customer id and external id, in customer and member mode.

use crate::support;

use chrono::Duration as ChronoDuration;
use http::Method;
use polar_client::{
    Customer, Error, ForbiddenReason, Member, MemberRole, MemberUpdate, NewCustomer,
    NewCustomerSession, NewMember, NewMemberRole, Owner, Polar,
};
use polar_client_mock::{Fault, MockPolar, Uuid};

use support::{SECRET, client, requests_seen};

/// A version-4 UUID no customer of the mock has.
const UNKNOWN_CUSTOMER: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

/// A mock with the test token, with or without the organization's member model.
async fn mock(member_model: bool) -> MockPolar {
    MockPolar::builder()
        .organization_token(SECRET)
        .member_model(member_model)
        .start()
        .await
        .unwrap()
}

/// Creates a customer through the client.
async fn customer(polar: &Polar, new: NewCustomer) -> Customer {
    polar.customers().create(new).await.unwrap()
}

/// A team customer `team_1` whose owner is `owner@acme.test` (external ID `own_1`), with its
/// owner member.
async fn team(polar: &Polar) -> (Customer, Member) {
    let team = customer(
        polar,
        NewCustomer::team()
            .email("team@acme.test")
            .external_id("team_1")
            .owner(Owner::new("owner@acme.test").external_id("own_1")),
    )
    .await;
    let owner = polar
        .members()
        .get_by_external_ids("team_1", "own_1")
        .await
        .unwrap();
    (team, owner)
}

/// Adds the member `bob@acme.test` to `team`.
async fn add_bob(polar: &Polar, team: &Customer) -> Member {
    polar
        .members()
        .create(team.id(), NewMember::new("bob@acme.test"))
        .await
        .unwrap()
}

/// How many `member.created` events the mock recorded for this email.
fn members_created(mock: &MockPolar, email: &str) -> usize {
    mock.events()
        .iter()
        .filter(|e| e.event_type == "member.created" && e.data["email"] == email)
        .count()
}

/// The single field error of a `422`, as (field, message).
fn only_field_error(err: &Error) -> (String, String) {
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let errors = err.field_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    (errors[0].field().to_owned(), errors[0].message().to_owned())
}

// ---- customer portal sessions ----

#[tokio::test]
async fn session_by_customer_id_is_a_one_hour_portal_link_with_a_hidden_token() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let jane = customer(&polar, NewCustomer::individual("jane@example.org")).await;

    let session = polar
        .customer_sessions()
        .create(
            NewCustomerSession::for_customer(jane.id()).return_url("https://example.com/account"),
        )
        .await
        .unwrap();

    assert_eq!(session.customer_id(), jane.id());
    assert_eq!(session.customer().email(), Some("jane@example.org"));
    assert!(
        session.token().starts_with("polar_cst_"),
        "{}",
        session.token()
    );
    let portal = session.customer_portal_url();
    assert!(portal.starts_with(&mock.base_url()), "{portal}");
    assert!(portal.contains(session.token()), "{portal}");
    assert!(
        session
            .return_url()
            .unwrap()
            .starts_with("https://example.com/account")
    );
    let lifetime = session.expires_at() - session.created_at();
    assert!(
        (ChronoDuration::minutes(59)..=ChronoDuration::minutes(61)).contains(&lifetime),
        "{lifetime}"
    );
    let debug = format!("{session:?}");
    assert!(!debug.contains(session.token()), "{debug}");
    assert!(!debug.contains(SECRET));
    assert_eq!(requests_seen(&mock, "POST", "/v1/customer-sessions/"), 1);
}

#[tokio::test]
async fn session_by_external_id() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let jane = customer(
        &polar,
        NewCustomer::individual("jane@example.org").external_id("usr_1337"),
    )
    .await;

    let session = polar
        .customer_sessions()
        .create(NewCustomerSession::for_external_id("usr_1337"))
        .await
        .unwrap();

    assert_eq!(session.customer_id(), jane.id());
    assert_eq!(session.return_url(), None);
    let body: serde_json::Value =
        serde_json::from_slice(&mock.requests().last().unwrap().body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "external_customer_id": "usr_1337" })
    );
}

#[tokio::test]
async fn a_session_create_whose_answer_was_lost_is_retried() {
    let mock = mock(false).await;
    let polar = client(&mock);
    customer(
        &polar,
        NewCustomer::individual("jane@example.org").external_id("usr_1"),
    )
    .await;
    mock.fail_next_matching(
        Method::POST,
        "/v1/customer-sessions/",
        1,
        Fault::DropAfterStore,
    );

    let session = polar
        .customer_sessions()
        .create(NewCustomerSession::for_external_id("usr_1"))
        .await
        .unwrap();

    assert!(session.token().starts_with("polar_cst_"));
    assert_eq!(
        requests_seen(&mock, "POST", "/v1/customer-sessions/"),
        2,
        "the lost attempt (a spare token) and the retry"
    );
}

#[tokio::test]
async fn session_for_an_unknown_customer_is_a_validation_error_not_a_not_found() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let sessions = polar.customer_sessions();

    let err = sessions
        .create(NewCustomerSession::for_customer(UNKNOWN_CUSTOMER))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(
        only_field_error(&err),
        (
            "customer_id".to_owned(),
            "Customer does not exist.".to_owned()
        )
    );

    let err = sessions
        .create(NewCustomerSession::for_external_id("nobody"))
        .await
        .unwrap_err();
    assert_eq!(
        only_field_error(&err),
        (
            "external_customer_id".to_owned(),
            "Customer does not exist.".to_owned()
        )
    );
    assert!(!err.is_retryable());
    assert_eq!(
        requests_seen(&mock, "POST", "/v1/customer-sessions/"),
        2,
        "no retries"
    );
}

#[tokio::test]
async fn session_in_member_mode_is_a_member_session() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let jane = customer(&polar, NewCustomer::individual("jane@example.org")).await;

    let session = polar
        .customer_sessions()
        .create(NewCustomerSession::for_customer(jane.id()))
        .await
        .unwrap();

    assert!(
        session.token().starts_with("polar_mst_"),
        "{}",
        session.token()
    );
    assert!(
        session
            .customer_portal_url()
            .contains("customer_session_token=")
    );
    assert!(!format!("{session:?}").contains(session.token()));

    // A team names its member; without one Polar refuses.
    let team = customer(&polar, NewCustomer::team().email("team@example.org")).await;
    let err = polar
        .customer_sessions()
        .create(NewCustomerSession::for_customer(team.id()))
        .await
        .unwrap_err();
    assert_eq!(only_field_error(&err).0, "member_id");
}

#[tokio::test]
async fn invalid_session_input_is_refused_before_sending() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let err = polar
        .customer_sessions()
        .create(
            NewCustomerSession::for_customer("usr_1337")
                .member_id("nope")
                .return_url("/account"),
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field()).collect();
    assert_eq!(fields, ["customer_id", "member_id", "return_url"]);
    assert!(mock.requests().is_empty());
}

// ---- members ----

#[tokio::test]
async fn members_are_forbidden_with_a_helpful_message_when_the_member_model_is_off() {
    let mock = mock(false).await;
    let polar = client(&mock);
    let team = customer(&polar, NewCustomer::team().email("team@acme.test")).await;

    let err = polar
        .members()
        .create(team.id(), NewMember::new("bob@acme.test"))
        .await
        .unwrap_err();

    assert!(
        matches!(
            &err,
            Error::Forbidden {
                reason: ForbiddenReason::NotPermitted,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Polar does not permit this: Member management is not enabled for this organization"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        requests_seen(
            &mock,
            "POST",
            &format!("/v1/customers/{}/members", team.id())
        ),
        1
    );
}

#[tokio::test]
async fn an_individual_customer_with_an_owner_gets_no_second_member() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let jane = customer(&polar, NewCustomer::individual("jane@example.org")).await;

    // Even the owner's own email: the individual check comes first.
    for email in ["bob@example.org", "jane@example.org"] {
        let err = polar
            .members()
            .create(jane.id(), NewMember::new(email))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(403), "{err:?}");
        assert!(
            err.to_string()
                .contains("Individual customers can only have one member"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn creating_a_member_twice_returns_the_one_member() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, _) = team(&polar).await;

    let first = polar
        .members()
        .create(
            team.id(),
            NewMember::new("bob@acme.test")
                .name("Bob")
                .role(NewMemberRole::BillingManager),
        )
        .await
        .unwrap();
    let second = polar
        .members()
        .create(team.id(), NewMember::new("BOB@acme.test").name("Robert"))
        .await
        .unwrap();

    assert_eq!(second.id(), first.id());
    assert_eq!(
        second.name(),
        Some("Bob"),
        "the second body's name is ignored"
    );
    assert_eq!(second.role(), &MemberRole::BillingManager);
    assert_eq!(second.customer_id(), team.id());
    assert_eq!(members_created(&mock, "bob@acme.test"), 1);
}

#[tokio::test]
async fn promoting_a_member_transfers_ownership() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, owner) = team(&polar).await;
    assert!(owner.is_owner());
    let bob = add_bob(&polar, &team).await;

    let bob = polar
        .members()
        .update(
            team.id(),
            bob.id(),
            MemberUpdate::new().transfer_ownership(),
        )
        .await
        .unwrap();

    assert!(bob.is_owner());
    let previous = polar.members().get(team.id(), owner.id()).await.unwrap();
    assert_eq!(previous.role(), &MemberRole::BillingManager);
}

#[tokio::test]
async fn the_only_owner_can_be_neither_demoted_nor_deleted() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, owner) = team(&polar).await;

    let err = polar
        .members()
        .update(
            team.id(),
            owner.id(),
            MemberUpdate::new().role(NewMemberRole::Member),
        )
        .await
        .unwrap_err();
    let (field, message) = only_field_error(&err);
    assert_eq!(field, "role");
    assert!(message.contains("exactly one owner"), "{message}");

    let err = polar
        .members()
        .delete(team.id(), owner.id())
        .await
        .unwrap_err();
    let (field, message) = only_field_error(&err);
    assert_eq!(field, "");
    assert!(
        message.contains("Cannot delete the only owner"),
        "{message}"
    );

    let still = polar.members().get(team.id(), owner.id()).await.unwrap();
    assert!(still.is_owner());
}

#[tokio::test]
async fn member_email_changes_follow_polar_rules() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let members = polar.members();

    // An individual's owner keeps the customer's email.
    let jane = customer(
        &polar,
        NewCustomer::individual("jane@example.org").external_id("usr_1"),
    )
    .await;
    let jane_owner = mock
        .events()
        .into_iter()
        .find(|e| e.event_type == "member.created")
        .unwrap();
    let jane_owner = jane_owner.data["id"].as_str().unwrap().to_owned();
    let err = members
        .update(
            jane.id(),
            &jane_owner,
            MemberUpdate::new().email("other@example.org"),
        )
        .await
        .unwrap_err();
    let (field, message) = only_field_error(&err);
    assert_eq!(field, "email");
    assert!(
        message.contains("Update the customer's email instead"),
        "{message}"
    );

    // In a team: not another member's email, but a change of letter case is applied.
    let (team, owner) = team(&polar).await;
    let bob = add_bob(&polar, &team).await;
    let err = members
        .update(
            team.id(),
            bob.id(),
            MemberUpdate::new().email("Owner@acme.test"),
        )
        .await
        .unwrap_err();
    let (field, message) = only_field_error(&err);
    assert_eq!(field, "email");
    assert!(message.contains("already exists"), "{message}");
    let bob = members
        .update(
            team.id(),
            bob.id(),
            MemberUpdate::new().email("Bob@acme.test"),
        )
        .await
        .unwrap();
    assert_eq!(bob.email(), "Bob@acme.test");
    assert_eq!(
        members.get(team.id(), owner.id()).await.unwrap().email(),
        "owner@acme.test"
    );
}

#[tokio::test]
async fn every_operation_works_by_external_ids() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, _) = team(&polar).await;
    let members = polar.members();

    let bob = members
        .create_by_external_id(
            "team_1",
            NewMember::new("bob@acme.test").external_id("usr_7"),
        )
        .await
        .unwrap();
    assert_eq!(bob.customer_id(), team.id());
    assert_eq!(bob.external_id(), Some("usr_7"));
    assert_eq!(
        members
            .get_by_external_ids("team_1", "usr_7")
            .await
            .unwrap(),
        bob
    );

    let bob = members
        .update_by_external_ids("team_1", "usr_7", MemberUpdate::new().name("Bob"))
        .await
        .unwrap();
    assert_eq!(bob.name(), Some("Bob"));

    members
        .delete_by_external_ids("team_1", "usr_7")
        .await
        .unwrap();
    let err = members
        .get_by_external_ids("team_1", "usr_7")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    // Looked up first, then removed by Polar's IDs: a retry can only reach that member.
    assert_eq!(
        requests_seen(
            &mock,
            "DELETE",
            &format!("/v1/customers/{}/members/{}", team.id(), bob.id())
        ),
        1
    );
    assert_eq!(requests_seen(&mock, "DELETE", "/v1/customers/external/"), 0);
}

#[tokio::test]
async fn not_found_names_the_member_and_the_customer() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, _) = team(&polar).await;
    let missing = Uuid::from_u128(0x5eed_0000_0000_1000_8000_0000_0000_0001).to_string();

    let err = polar.members().get(team.id(), &missing).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message, .. } if message == "Member not found"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&missing) && text.contains(team.id().as_str()),
        "{text}"
    );

    let err = polar
        .members()
        .delete_by_external_ids("team_1", "usr_404")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(r#""usr_404""#) && text.contains(r#""team_1""#),
        "{text}"
    );

    let err = polar
        .members()
        .create_by_external_id("nobody", NewMember::new("bob@acme.test"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(r#"customer with external ID "nobody""#),
        "{err}"
    );
}

#[tokio::test]
async fn a_retried_delete_after_a_lost_204_succeeds() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, _) = team(&polar).await;
    let bob = add_bob(&polar, &team).await;
    let path = format!("/v1/customers/{}/members/{}", team.id(), bob.id());
    mock.fail_next_matching(Method::DELETE, path.clone(), 1, Fault::DropAfterStore);

    polar.members().delete(team.id(), bob.id()).await.unwrap();

    assert_eq!(
        requests_seen(&mock, "DELETE", &path),
        2,
        "the lost attempt and the retry"
    );
    let deleted = mock
        .events()
        .iter()
        .filter(|e| e.event_type == "member.deleted")
        .count();
    assert_eq!(deleted, 1);
    let err = polar.members().get(team.id(), bob.id()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    // Without a lost attempt, deleting a missing member stays an error.
    let err = polar
        .members()
        .delete(team.id(), bob.id())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_retried_create_after_a_lost_201_returns_the_member_stored_once() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let (team, _) = team(&polar).await;
    let path = format!("/v1/customers/{}/members", team.id());
    mock.fail_next_matching(Method::POST, path.clone(), 1, Fault::DropAfterStore);

    let bob = polar
        .members()
        .create(team.id(), NewMember::new("bob@acme.test").name("Bob"))
        .await
        .unwrap();

    assert_eq!(
        requests_seen(&mock, "POST", &path),
        2,
        "the lost attempt and the retry"
    );
    assert_eq!(members_created(&mock, "bob@acme.test"), 1);
    assert_eq!(bob.name(), Some("Bob"));
    assert_eq!(polar.members().get(team.id(), bob.id()).await.unwrap(), bob);
}

#[tokio::test]
async fn an_external_customer_id_several_organizations_share_is_a_409() {
    let own = Uuid::from_u128(0x1dbf_c517_0bbf_4301_9ba8_555c_a42b_9737);
    let other = Uuid::from_u128(0x0a0b_0c0d_1e1f_4a2b_8c3d_4e5f_6a7b_8c9d);
    let personal = "polar_pat_members_test";
    let mock = MockPolar::builder()
        .organization_token(SECRET)
        .organization_id(own)
        .member_model(true)
        .personal_token(personal, [own, other])
        .start()
        .await
        .unwrap();
    let polar = client(&mock);
    customer(
        &polar,
        NewCustomer::individual("a@example.org").external_id("shared"),
    )
    .await;
    let as_user = Polar::builder()
        .access_token(personal)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    customer(
        &as_user,
        NewCustomer::individual("b@example.org")
            .external_id("shared")
            .organization_id(other.to_string()),
    )
    .await;

    let err = as_user
        .members()
        .create_by_external_id("shared", NewMember::new("m@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RequestRejected { status: 409, error: Some(code), .. } if code == "AmbiguousExternalCustomerID"),
        "{err:?}"
    );
    let err = as_user
        .members()
        .get_by_external_ids("shared", "m")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err:?}");
    // The organization token sees one customer with that external ID: an individual, which has
    // its one member already.
    let err = polar
        .members()
        .create_by_external_id("shared", NewMember::new("m@example.org"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
}

#[tokio::test]
async fn invalid_ids_and_bodies_are_refused_before_sending() {
    let mock = mock(true).await;
    let polar = client(&mock);
    let members = polar.members();
    let v1_uuid = "c232ab00-9414-11ec-b3c8-9f6bdeced846";

    let fields = |err: Error| -> Vec<String> {
        err.problems()
            .iter()
            .map(|p| p.field().to_owned())
            .collect()
    };
    let err = members.get("not-a-uuid", "nope").await.unwrap_err();
    assert_eq!(fields(err), ["customer_id", "member_id"]);
    let err = members.delete(v1_uuid, v1_uuid).await.unwrap_err();
    assert_eq!(fields(err), ["customer_id"], "member IDs may be any UUID");
    let err = members
        .create(v1_uuid, NewMember::new("not-an-email").name(""))
        .await
        .unwrap_err();
    assert_eq!(fields(err)[..2], ["customer_id", "email"]);
    let err = members
        .update(UNKNOWN_CUSTOMER, "x", MemberUpdate::new().name(""))
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["member_id", "name"]);
    let err = members
        .get_by_external_ids(r"..\..\v1\organizations", "..")
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["external_customer_id", "external_member_id"]);
    let err = members
        .create_by_external_id("a/b", NewMember::new("bob@acme.test"))
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["external_customer_id"]);
    let err = members
        .update_by_external_ids("team_1", "usr\n7", MemberUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["external_member_id"]);
    let err = members
        .delete_by_external_ids("", "usr_7")
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["external_customer_id"]);

    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}
