//! The response size cap at its edges, over real HTTP: a body above the client's limit is refused whether its
//! `Content-Length` is true or absent, a body within it decodes, and a `Content-Length` smaller
//! than what is sent bounds what is read (the rest is never taken for the body).

use polar_client::{Error, Polar};

use crate::fixtures;
use crate::support;

use support::raw::{RawServer, response};

/// The client's limit in these tests.
const LIMIT: usize = 2048;

/// A customer JSON padded with trailing spaces (still valid JSON) to `size` bytes.
fn customer_of_size(size: usize) -> Vec<u8> {
    let mut body = fixtures::individual_201().to_string().into_bytes();
    assert!(
        body.len() < size,
        "the fixture is smaller than {size} bytes"
    );
    body.resize(size, b' ');
    body
}

/// `200` with `body`, its `Content-Length` declared as `declared` (none when `None`).
fn answer(declared: Option<usize>, body: &[u8]) -> Vec<u8> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nconnection: close\r\n");
    head.push_str("content-type: application/json\r\n");
    if let Some(length) = declared {
        head.push_str(&format!("content-length: {length}\r\n"));
    }
    head.push_str("\r\n");
    let mut wire = head.into_bytes();
    wire.extend_from_slice(body);
    wire
}

async fn get_through(server: &RawServer) -> Result<polar_client::Customer, Error> {
    let polar = Polar::builder()
        .access_token("polar_oat_cap")
        .base_url(server.base_url())
        .max_response_bytes(LIMIT)
        .build()
        .unwrap();
    polar.customers().get_by_external_id("usr_cap").await
}

#[tokio::test]
async fn a_body_within_the_limit_decodes_with_or_without_content_length() {
    let body = customer_of_size(LIMIT);
    for declared in [Some(body.len()), None] {
        let wire = answer(declared, &body);
        let server = RawServer::start(move |_| wire.clone()).await;
        let customer = get_through(&server).await;
        assert!(customer.is_ok(), "{declared:?}: {customer:?}");
    }
}

#[tokio::test]
async fn a_body_above_the_limit_is_refused_with_or_without_content_length() {
    let body = customer_of_size(LIMIT + 1);
    for declared in [Some(body.len()), None] {
        let wire = answer(declared, &body);
        let server = RawServer::start(move |_| wire.clone()).await;
        let err = get_through(&server).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ResponseTooLarge {
                    status: 200,
                    limit: LIMIT,
                    ..
                }
            ),
            "{declared:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_short_content_length_bounds_what_is_read() {
    // 64 KiB sent, 100 bytes declared: only the declared bytes are the body, a cut-off document.
    let body = customer_of_size(64 * 1024);
    let wire = answer(Some(100), &body);
    let server = RawServer::start(move |_| wire.clone()).await;
    let err = get_through(&server).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_error_body_above_the_limit_is_cut_not_refused() {
    // A 404 whose body is larger than the limit: still classified from what fits.
    let body = vec![b'x'; 64 * 1024];
    let wire = response(404, &[], &body);
    let server = RawServer::start(move |_| wire.clone()).await;
    let err = get_through(&server).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
