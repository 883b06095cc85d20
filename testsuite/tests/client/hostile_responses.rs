//! Property test over response handling: random statuses (100–599), headers (`Retry-After`,
//! `Location`, lying `Content-Length`) and bodies (truncated, non-UTF-8, up to 3 MiB, deeply
//! nested JSON) from a raw-TCP loopback server into create, get and find. Every call ends (the
//! client's timeout bounds it), nothing panics, and every error's `Display` is free of control
//! characters.

use std::time::Duration;

use polar_client::{Error, NewCustomer, Polar, RetryPolicy};
use proptest::prelude::*;

use crate::fixtures;
use crate::support;

use support::raw::RawServer;

#[derive(Clone, Copy, Debug)]
enum Operation {
    Create,
    Get,
    Find,
}

#[derive(Clone, Copy, Debug)]
enum Length {
    /// The body's real length.
    True,
    /// More than is sent: the body is cut short by the closing connection.
    Over(usize),
    /// Less than is sent.
    Under(usize),
    /// No `Content-Length`: the body ends with the connection.
    Absent,
}

#[derive(Clone, Debug)]
enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// Text with log-forging control characters and bidi overrides.
    Hostile,
    /// A Polar-shaped JSON error whose text fields are hostile.
    HostileJson,
    /// A 422 with many hostile items.
    HostileItems(usize),
    /// `[` nested this deep.
    Nested(usize),
    /// This many bytes of `"a "`.
    Large(usize),
    /// A real customer, or its first `n` bytes.
    Customer(Option<usize>),
    /// An HTML page with a hostile title.
    Html,
}

const HOSTILE: &str =
    "line1\nFAKE LOG LINE level=ERROR\r\n\u{1b}[31mred\u{1b}[0m\u{202e}x\u{85}\t\u{0}";

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Empty => Vec::new(),
            Body::Bytes(bytes) => bytes.clone(),
            Body::Hostile => HOSTILE.as_bytes().to_vec(),
            Body::HostileJson => serde_json::json!({
                "error": HOSTILE, "detail": HOSTILE, "error_description": HOSTILE,
            })
            .to_string()
            .into_bytes(),
            Body::HostileItems(n) => {
                let item =
                    serde_json::json!({"type": HOSTILE, "loc": ["body", HOSTILE], "msg": HOSTILE});
                serde_json::json!({"error": "RequestValidationError", "detail": vec![item; *n]})
                    .to_string()
                    .into_bytes()
            }
            Body::Nested(depth) => "[".repeat(*depth).into_bytes(),
            Body::Large(n) => b"a ".iter().copied().cycle().take(*n).collect(),
            Body::Customer(cut) => {
                let full = fixtures::individual_201().to_string().into_bytes();
                let end = cut.map_or(full.len(), |n| n.min(full.len()));
                full[..end].to_vec()
            }
            Body::Html => {
                format!("<html><head><title>{HOSTILE}</title></head></html>").into_bytes()
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    retry_after: Option<&'static str>,
    location: Option<&'static str>,
    content_type: Option<&'static str>,
    length: Length,
    body: Body,
}

impl Answer {
    fn wire(&self) -> Vec<u8> {
        let body = self.body.bytes();
        let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", self.status);
        let declared = match self.length {
            Length::True => Some(body.len()),
            Length::Over(n) => Some(body.len() + n),
            Length::Under(n) => Some(body.len().saturating_sub(n)),
            Length::Absent => None,
        };
        if let Some(length) = declared {
            head.push_str(&format!("content-length: {length}\r\n"));
        }
        for (name, value) in [
            ("retry-after", self.retry_after),
            ("location", self.location),
            ("content-type", self.content_type),
        ] {
            if let Some(value) = value {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str("x-request-id: req\tid\r\n\r\n");
        let mut wire = head.into_bytes();
        wire.extend_from_slice(&body);
        wire
    }
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        100u16..=599,
        prop::sample::select(vec![
            101, 200, 201, 204, 301, 304, 307, 404, 422, 429, 500, 502
        ])
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::Empty),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(Body::Bytes),
        Just(Body::Hostile),
        Just(Body::HostileJson),
        (1usize..2_000).prop_map(Body::HostileItems),
        prop::sample::select(vec![200, 5_000, 200_000]).prop_map(Body::Nested),
        prop::sample::select(vec![10_000, 1 << 20, 3 << 20]).prop_map(Body::Large),
        prop::option::of(0usize..600).prop_map(Body::Customer),
        Just(Body::Html),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    let retry_after = prop::option::of(prop::sample::select(vec![
        "0",
        "1",
        "99999999999999999999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "soon",
        "-1",
    ]));
    let location = prop::option::of(prop::sample::select(vec![
        "http://127.0.0.1:1/v1/customers/",
        "/v1/customers/",
        "https://evil.example/\tx",
        "not a url",
    ]));
    let content_type = prop::option::of(prop::sample::select(vec![
        "application/json",
        "text/html",
        "text/plain; charset=utf-8",
    ]));
    let length = prop_oneof![
        Just(Length::True),
        (1usize..100_000).prop_map(Length::Over),
        (1usize..100).prop_map(Length::Under),
        Just(Length::Absent),
    ];
    (
        status(),
        retry_after,
        location,
        content_type,
        length,
        body(),
    )
        .prop_map(
            |(status, retry_after, location, content_type, length, body)| Answer {
                status,
                retry_after,
                location,
                content_type,
                length,
                body,
            },
        )
}

fn operation() -> impl Strategy<Value = Operation> {
    prop::sample::select(vec![Operation::Create, Operation::Get, Operation::Find])
}

/// Sends `operation` to a server that gives `answer` to every request; the error, if any.
async fn call(operation: Operation, answer: &Answer) -> Option<Error> {
    let wire = answer.wire();
    let server = RawServer::start(move |_| wire.clone()).await;
    let polar = Polar::builder()
        .access_token("polar_oat_hostile")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(1))
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1))
                .max_retry_after(Duration::from_millis(10))
                .overall_deadline(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let customers = polar.customers();
    match operation {
        Operation::Create => {
            let new = NewCustomer::individual("jane@example.org").external_id("usr_hostile");
            customers.create(new).await.err()
        }
        Operation::Get => customers.get_by_external_id("usr_hostile").await.err(),
        Operation::Find => customers.find_by_email("jane@example.org").await.err(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_ends_in_a_clean_result(operation in operation(), answer in answer()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // A guard far above the client's own limits: a hang fails the case instead of CI.
        let outcome = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), call(operation, &answer)).await
        });
        let Ok(error) = outcome else {
            return Err(TestCaseError::fail(format!("{operation:?} did not end")));
        };
        if let Some(error) = error {
            let text = error.to_string();
            prop_assert!(!text.chars().any(char::is_control), "{text:?}");
            prop_assert!(!text.contains('\u{202e}'), "{text:?}");
            prop_assert!(text.chars().count() < 10_000, "{} chars", text.chars().count());
        }
    }
}

#[tokio::test]
async fn retry_after_is_clamped_and_read_in_human_units() {
    for (value, wait, text) in [
        (
            "99999999999999999999",
            Duration::from_secs(3600),
            "retry in 1 h",
        ),
        (
            "Fri, 31 Dec 9999 23:59:59 GMT",
            Duration::from_secs(3600),
            "retry in 1 h",
        ),
        (
            "Sun, 06 Nov 1994 08:49:37 GMT",
            Duration::ZERO,
            "retry in 0 s",
        ),
        ("90", Duration::from_secs(90), "retry in 1 min 30 s"),
    ] {
        let answer = Answer {
            status: 429,
            retry_after: Some(value),
            location: None,
            content_type: None,
            length: Length::True,
            body: Body::Empty,
        };
        let Some(err) = call(Operation::Get, &answer).await else {
            panic!("{value}: a 429 is not a success");
        };
        assert_eq!(err.retry_after(), Some(wait), "{value}");
        assert!(err.to_string().ends_with(text), "{value}: {err}");
    }
}
