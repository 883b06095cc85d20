//! A caller's external ID never leaves its URL path segment: IDs that would are refused before
//! anything is sent, and every other ID reaches the lookup path it names, over real HTTP.

use polar_client::{Error, Polar};

use crate::support;

use support::raw::{RawServer, response};

async fn recording_server() -> RawServer {
    RawServer::start(|_| {
        response(
            404,
            &[("content-type", "application/json")],
            br#"{"error":"ResourceNotFound","detail":"Not found"}"#,
        )
    })
    .await
}

fn client(server: &RawServer) -> Polar {
    Polar::builder()
        .access_token("polar_oat_paths")
        .base_url(server.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn traversal_and_empty_ids_send_nothing() {
    let server = recording_server().await;
    let polar = client(&server);
    for id in [
        r"..\..\..\v1\organizations",
        r"x\..\victim",
        r"..\victim",
        "",
        ".",
        "..",
        "abc/state",
        "abc/../../organizations",
        "line\nbreak",
        "tab\there",
    ] {
        let err = polar.customers().get_by_external_id(id).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{id:?}: {err:?}");
        assert_eq!(err.problems()[0].field(), "external_id", "{id:?}");
    }
    assert!(
        server.requests().is_empty(),
        "sent: {:?}",
        server.requests()
    );
}

#[tokio::test]
async fn other_ids_reach_their_own_segment() {
    let server = recording_server().await;
    let polar = client(&server);
    let cases = [
        ("usr_42", "usr_42"),
        ("a b?c#d", "a%20b%3Fc%23d"),
        ("%2F..", "%252F.."),
        ("...", "..."),
        ("ünï", "%C3%BCn%C3%AF"),
    ];
    for (id, _) in cases {
        let err = polar.customers().get_by_external_id(id).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{id:?}: {err:?}");
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let expected: Vec<String> = cases
        .iter()
        .map(|(_, sent)| format!("/v1/customers/external/{sent}"))
        .collect();
    assert_eq!(paths, expected);
}
