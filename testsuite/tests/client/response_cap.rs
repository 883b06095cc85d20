//! Memory stays bounded whatever the server sends: a loopback server offers bodies far larger than
//! the client's response cap, and counts how much of them it managed to write before the client
//! stopped reading.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use polar_client::{Error, NewCustomer, Polar, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MIB: usize = 1024 * 1024;
/// What the server offers: far more than any cap.
const OFFERED: usize = 1024 * MIB;
/// The client's cap in these tests.
const CAP: usize = MIB;
/// What the server may manage to write before the client stops reading: the cap plus the
/// kernel's socket buffers on loopback, which can hold several MiB.
const WRITTEN_AT_MOST: usize = 48 * MIB;

/// Answers every request with `status`, a `Content-Length` of [`OFFERED`] and that many bytes of
/// `fill`, counting the bytes it got written before the client hung up.
async fn huge_answer_server(
    status: &'static str,
    fill: &'static [u8],
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = [0u8; 64 * 1024];
                // One read is enough for these small requests; the body is not needed.
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {OFFERED}\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk: Vec<u8> = fill.iter().copied().cycle().take(64 * 1024).collect();
                let mut sent = 0;
                while sent < OFFERED {
                    match socket.write_all(&chunk).await {
                        Ok(()) => {
                            sent += chunk.len();
                            counter.fetch_add(chunk.len(), Ordering::SeqCst);
                        }
                        Err(_) => return,
                    }
                }
            });
        }
    });
    (format!("http://{address}"), written)
}

/// Asserts the server could write little of its body before the client stopped reading.
async fn assert_stopped_early(written: &AtomicUsize) {
    // Give the server a moment to notice the client is gone, then read its count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = written.load(Ordering::SeqCst);
    assert!(
        written < WRITTEN_AT_MOST,
        "the client read on: the server wrote {written} of {OFFERED} bytes"
    );
}

fn client(base_url: &str) -> Polar {
    Polar::builder()
        .access_token("polar_oat_test")
        .base_url(base_url)
        .max_response_bytes(CAP)
        .timeout(Duration::from_secs(20))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_huge_created_body_stops_at_the_cap() {
    let (base_url, written) = huge_answer_server("201 Created", b"{\"id\":\"").await;
    let err = client(&base_url)
        .customers()
        .create(NewCustomer::individual("big@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                status: 201,
                limit: CAP,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_processed(), "a 201 was carried out");
    assert!(err.to_string().contains("probably carried out"), "{err}");
    assert_stopped_early(&written).await;
}

#[tokio::test]
async fn a_huge_error_page_is_excerpted_from_a_bounded_read() {
    let (base_url, written) = huge_answer_server("500 Internal Server Error", b"a ").await;
    let err = client(&base_url)
        .customers()
        .get_by_external_id("usr_1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.len() < 1_000, "{} characters", text.len());
    assert!(format!("{err:?}").len() < 2_000);
    assert_stopped_early(&written).await;
}

#[tokio::test]
async fn a_lying_content_length_cannot_make_the_client_wait_for_more_than_the_cap() {
    // The body the server announces is 1 GiB; the cap ends the read long before.
    let (base_url, _) = huge_answer_server("200 OK", b"[").await;
    let err = client(&base_url)
        .customers()
        .find_by_email("x@example.org")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 200, .. }),
        "{err:?}"
    );
}
