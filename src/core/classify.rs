//! Classification: a non-2xx answer's status, headers and body bytes in, an [`Error`] out.
//!
//! Pure functions over what Polar sent back. They never see the request, so they cannot leak the
//! access token, and no byte sequence makes them panic.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap};
use serde::Deserialize;

use crate::core::retry::parse_retry_after;
use crate::error::{AuthFailure, Error, FieldError, ForbiddenReason, ValidationKind};
use crate::excerpt::{EXCERPT_CHARS, clean, excerpt};

/// Every JSON error shape Polar sends, read leniently: `{error, detail: str}`,
/// `{error, detail: [..]}`, `{error, error_description}` and `{detail: "Not Found"}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    error: Option<String>,
    detail: Option<Detail>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Detail {
    Text(String),
    Items(Vec<RawFieldError>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct RawFieldError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    loc: Vec<serde_json::Value>,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    input: Option<serde_json::Value>,
}

impl RawFieldError {
    fn into_field_error(self, kind: ValidationKind) -> FieldError {
        let field = clean(&field_path(&self.loc, kind), EXCERPT_CHARS);
        let message = clean(&self.msg, EXCERPT_CHARS);
        FieldError::new(self.kind, self.loc, field, message, self.input)
    }
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The human explanation: `detail` when it is text, else `error_description`.
    fn message(&self) -> Option<&str> {
        match &self.detail {
            Some(Detail::Text(text)) => Some(text),
            _ => self.error_description.as_deref(),
        }
    }
}

/// Turns a non-2xx answer into an [`Error`].
///
/// `requested_version` is the `Polar-Version` the request carried, named in
/// [`Error::UnsupportedApiVersion`].
pub(crate) fn classify_response(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    requested_version: &str,
) -> Error {
    let request_id = header_text(headers, "x-request-id").map(|id| clean(id, EXCERPT_CHARS));
    let mut parsed = ErrorBody::parse(body);
    match parsed.detail.take() {
        Some(Detail::Items(items)) if status == 422 => {
            let kind = validation_kind(parsed.error.as_deref());
            return Error::Validation {
                kind,
                errors: items
                    .into_iter()
                    .map(|raw| raw.into_field_error(kind))
                    .collect(),
                request_id,
            };
        }
        other => parsed.detail = other,
    }
    let message_or_excerpt = || {
        parsed.message().map_or_else(
            || excerpt(headers, body),
            |message| clean(message, EXCERPT_CHARS),
        )
    };
    match status {
        401 => Error::Unauthorized {
            reason: auth_failure(&parsed, headers),
            request_id,
        },
        403 => Error::Forbidden {
            reason: forbidden_reason(&parsed, headers),
            message: message_or_excerpt(),
            code: parsed
                .error
                .as_deref()
                .map(|code| clean(code, EXCERPT_CHARS)),
            request_id,
        },
        402 => Error::PaymentFailed {
            detail: message_or_excerpt(),
            code: parsed
                .error
                .as_deref()
                .map(|code| clean(code, EXCERPT_CHARS)),
            request_id,
        },
        404 if parsed.error.is_none()
            && matches!(&parsed.detail, Some(Detail::Text(t)) if t == "Not Found")
            && !headers.contains_key("polar-version") =>
        {
            Error::UnsupportedApiVersion {
                requested: requested_version.to_owned(),
            }
        }
        404 => Error::NotFound {
            resource: None,
            message: message_or_excerpt(),
            request_id,
        },
        100..=199 | 304 => Error::UnexpectedStatus { status, request_id },
        300..=399 => match header_text(headers, header::LOCATION) {
            Some(location) => Error::Redirected {
                status,
                location: clean(location, EXCERPT_CHARS),
                followed: false,
                request_id,
            },
            None => Error::UnexpectedStatus { status, request_id },
        },
        429 => Error::RateLimited {
            retry_after: header_text(headers, header::RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            request_id,
            by_budget: false,
        },
        500.. => Error::Server {
            status,
            body_excerpt: excerpt(headers, body),
            request_id,
            replay_safe: false,
        },
        _ => Error::RequestRejected {
            status,
            detail: message_or_excerpt(),
            error: parsed.error.map(|code| clean(&code, EXCERPT_CHARS)),
            request_id,
            replay_safe: false,
        },
    }
}

fn validation_kind(error_code: Option<&str>) -> ValidationKind {
    match error_code {
        Some("RequestValidationError") => ValidationKind::Schema,
        Some("PolarRequestValidationError") => ValidationKind::Business,
        _ => ValidationKind::Other,
    }
}

/// Polar says `Unauthorized` only when no Bearer token arrived; anything else means the token
/// we sent was refused.
fn auth_failure(parsed: &ErrorBody, headers: &HeaderMap) -> AuthFailure {
    let invalid_token = parsed.error.as_deref() == Some("invalid_token")
        || header_text(headers, header::WWW_AUTHENTICATE)
            .is_some_and(|v| v.contains("invalid_token"));
    if parsed.error.as_deref() == Some("Unauthorized") && !invalid_token {
        AuthFailure::MissingToken
    } else {
        AuthFailure::InvalidToken
    }
}

fn forbidden_reason(parsed: &ErrorBody, headers: &HeaderMap) -> ForbiddenReason {
    let www_authenticate = header_text(headers, header::WWW_AUTHENTICATE);
    if parsed.error.as_deref() == Some("insufficient_scope")
        || www_authenticate.is_some_and(|v| v.contains("insufficient_scope"))
    {
        ForbiddenReason::InsufficientScope {
            required_scope: www_authenticate
                .and_then(|v| auth_param(v, "scope"))
                .map(|scope| clean(&scope, EXCERPT_CHARS)),
        }
    } else {
        ForbiddenReason::NotPermitted
    }
}

/// Turns a failed attempt at the connection level into an [`Error`].
///
/// A connect error never reached the server; anything later may have. A timeout of the caller's
/// own HTTP client becomes [`Error::Timeout`] with `limit`, the attempt's time limit.
/// Replay-safety is the operation's to add ([`Error::with_replay_safety`]).
pub(crate) fn classify_transport(err: reqwest::Error, limit: Duration) -> Error {
    let may_have_reached_server = !err.is_connect();
    if err.is_timeout() {
        Error::Timeout {
            after: limit,
            may_have_reached_server,
            replay_safe: false,
        }
    } else {
        Error::Transport {
            may_have_reached_server,
            source: err,
            replay_safe: false,
        }
    }
}

/// An answer from another origin than the base URL's, which the caller's HTTP client reached by
/// following a redirect: named by its origin only (a redirect URL's query may carry secrets).
pub(crate) fn answered_elsewhere(status: u16, url: &reqwest::Url) -> Error {
    Error::Redirected {
        status,
        location: clean(&url.origin().ascii_serialization(), EXCERPT_CHARS),
        followed: true,
        request_id: None,
    }
}

/// A successful answer whose body could not be decoded.
pub(crate) fn invalid_response(status: u16, body: Bytes, source: serde_json::Error) -> Error {
    Error::InvalidResponse {
        status,
        body: body.into(),
        source,
    }
}

fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The value of `name="value"` (or `name=value`) in a `WWW-Authenticate` header.
fn auth_param(header_value: &str, name: &str) -> Option<String> {
    header_value.split(',').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        let key = key.trim();
        // The first parameter follows the scheme: `Bearer realm="polar"`.
        let key = key.rsplit(' ').next().unwrap_or(key);
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The dotted body path of a validation location: `["body","individual","email"]` → `"email"`.
///
/// Schema errors carry the union tag (`individual` / `team`) after `body`; business errors do not,
/// and there `team` is a real field name, so it is kept.
fn field_path(loc: &[serde_json::Value], kind: ValidationKind) -> String {
    let mut rest = loc;
    if let [serde_json::Value::String(first), tail @ ..] = rest
        && first == "body"
    {
        rest = tail;
        if let [serde_json::Value::String(tag), tail @ ..] = rest
            && kind == ValidationKind::Schema
            && (tag == "individual" || tag == "team")
            && !tail.is_empty()
        {
            rest = tail;
        }
    }
    rest.iter()
        .map(|item| match item {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const VERSION: &str = "2026-04";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn polar_headers() -> HeaderMap {
        headers(&[
            ("polar-version", VERSION),
            ("content-type", "application/json"),
            ("x-request-id", "req_123"),
        ])
    }

    fn classify(status: u16, headers: &HeaderMap, body: &str) -> Error {
        classify_response(status, headers, body.as_bytes(), VERSION)
    }

    const SCHEMA_422: &str = r#"{"error":"RequestValidationError","detail":[
        {"type":"value_error","loc":["body","individual","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"nope","ctx":{"reason":"An email address must have an @-sign."}},
        {"type":"enum","loc":["body","individual","billing_address","country"],"msg":"Input should be 'AD', 'AE' or 'ZW'","input":"XX"},
        {"type":"string_too_long","loc":["body","team","name"],"msg":"String should have at most 256 characters","input":"x"},
        {"type":"union_tag_invalid","loc":["body"],"msg":"Input tag 'company' found using 'type' does not match any of the expected tags: 'individual', 'team'","input":{"type":"company"}},
        {"type":"missing","loc":["body","individual"],"msg":"Field required","input":null},
        {"type":"string_too_long","loc":["body","individual","metadata","plan"],"msg":"too long","input":"x"},
        {"type":"json_invalid","loc":["body",17],"msg":"JSON decode error","input":{}}
    ]}"#;

    const DUPLICATE_422: &str = r#"{"error":"PolarRequestValidationError","detail":[
        {"type":"value_error","loc":["body","email"],"msg":"A customer with this email address already exists.","input":"jane@acme.dev"},
        {"type":"value_error","loc":["body","external_id"],"msg":"A customer with this external ID already exists.","input":"usr_1"}
    ]}"#;

    #[test]
    fn schema_validation_strips_body_and_union_tag() {
        let err = classify(422, &polar_headers(), SCHEMA_422);
        let Error::Validation {
            kind,
            errors,
            request_id,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*kind, ValidationKind::Schema);
        assert_eq!(request_id.as_deref(), Some("req_123"));
        let fields: Vec<_> = errors.iter().map(FieldError::field).collect();
        assert_eq!(
            fields,
            [
                "email",
                "billing_address.country",
                "name",
                "",
                "individual",
                "metadata.plan",
                "17"
            ]
        );
        let first = &errors[0];
        assert_eq!(first.kind(), "value_error");
        assert_eq!(
            first.loc(),
            [
                serde_json::json!("body"),
                serde_json::json!("individual"),
                serde_json::json!("email")
            ]
        );
        assert_eq!(first.input(), Some(&serde_json::json!("nope")));
        assert!(
            first
                .message()
                .starts_with("value is not a valid email address")
        );
        assert_eq!(errors[4].input(), None);
        let text = err.to_string();
        assert!(
            text.starts_with(
                "Polar rejected the request: email: value is not a valid email address"
            ),
            "{text}"
        );
        assert!(
            text.contains("; billing_address.country: Input should be"),
            "{text}"
        );
        assert!(!text.contains('\n'));
        assert_eq!(err.status(), Some(422));
        assert!(!err.is_duplicate_email() && !err.is_duplicate_external_id());
        assert!(!err.is_retryable());
    }

    #[test]
    fn duplicates_are_business_errors_with_helpers() {
        let err = classify(422, &polar_headers(), DUPLICATE_422);
        assert!(matches!(
            err,
            Error::Validation {
                kind: ValidationKind::Business,
                ..
            }
        ));
        assert!(err.is_duplicate_email());
        assert!(err.is_duplicate_external_id());
        assert_eq!(err.field_errors().len(), 2);
        assert_eq!(err.field_errors()[1].field(), "external_id");

        let only_external = r#"{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","external_id"],"msg":"A customer with this external ID already exists.","input":"usr_1"}]}"#;
        let err = classify(422, &polar_headers(), only_external);
        assert!(!err.is_duplicate_email());
        assert!(err.is_duplicate_external_id());
    }

    #[test]
    fn business_loc_team_is_a_field_not_a_tag() {
        let body = r#"{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","team"],"msg":"An owner with an email address is required to create a team customer without email.","input":null},{"type":"organization_token","loc":["body","organization_id"],"msg":"Setting organization_id is disallowed when using an organization token.","input":"1dbfc517-0bbf-4301-9ba8-555ca42b9737"}]}"#;
        let err = classify(422, &HeaderMap::new(), body);
        let fields: Vec<_> = err.field_errors().iter().map(FieldError::field).collect();
        assert_eq!(fields, ["team", "organization_id"]);
        assert_eq!(err.request_id(), None);
    }

    #[test]
    fn a_similar_message_on_another_field_is_not_a_duplicate() {
        let body = r#"{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","tax_id"],"msg":"A customer with this email address already exists.","input":"x"},{"type":"value_error","loc":["body","email"],"msg":"Invalid email.","input":"x"}]}"#;
        let err = classify(422, &HeaderMap::new(), body);
        assert!(!err.is_duplicate_email());
    }

    #[test]
    fn validation_kind_other_and_odd_422s() {
        let err = classify(
            422,
            &HeaderMap::new(),
            r#"{"detail":[{"type":"missing","loc":["query","email"],"msg":"Field required"}]}"#,
        );
        assert!(matches!(
            err,
            Error::Validation {
                kind: ValidationKind::Other,
                ..
            }
        ));
        assert_eq!(err.field_errors()[0].field(), "query.email");

        let err = classify(
            422,
            &HeaderMap::new(),
            r#"{"error":"RequestValidationError","detail":[]}"#,
        );
        assert_eq!(
            err.to_string(),
            "Polar rejected the request: no details given (HTTP 422)"
        );

        let err = classify(
            422,
            &HeaderMap::new(),
            r#"{"error":"Weird","detail":"something odd"}"#,
        );
        assert!(
            matches!(&err, Error::RequestRejected { status: 422, error: Some(e), detail, .. } if e == "Weird" && detail == "something odd"),
            "{err:?}"
        );
    }

    #[test]
    fn missing_token() {
        let h = headers(&[
            ("www-authenticate", r#"Bearer realm="polar""#),
            ("x-request-id", "r1"),
        ]);
        let err = classify(
            401,
            &h,
            r#"{"error":"Unauthorized","detail":"Unauthorized"}"#,
        );
        assert!(
            matches!(
                err,
                Error::Unauthorized {
                    reason: AuthFailure::MissingToken,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("r1"));
        assert!(err.to_string().contains("no access token"));
    }

    #[test]
    fn invalid_token_mentions_environments() {
        let h = headers(&[(
            "www-authenticate",
            r#"Bearer realm="polar", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons.""#,
        )]);
        let body = r#"{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons."}"#;
        let err = classify(401, &h, body);
        assert!(
            matches!(
                err,
                Error::Unauthorized {
                    reason: AuthFailure::InvalidToken,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("sandbox and production tokens are not interchangeable"),
            "{text}"
        );
        assert_eq!(err.status(), Some(401));

        // Header alone, or nothing recognisable: we always send a token, so it was refused.
        assert!(matches!(
            classify(401, &h, ""),
            Error::Unauthorized {
                reason: AuthFailure::InvalidToken,
                ..
            }
        ));
        assert!(matches!(
            classify(401, &HeaderMap::new(), "<html>"),
            Error::Unauthorized {
                reason: AuthFailure::InvalidToken,
                ..
            }
        ));
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let h = headers(&[(
            "www-authenticate",
            r#"Bearer realm="polar", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="customers:write""#,
        )]);
        let body = r#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}"#;
        let err = classify(403, &h, body);
        let Error::Forbidden {
            reason, message, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            *reason,
            ForbiddenReason::InsufficientScope {
                required_scope: Some("customers:write".to_owned())
            }
        );
        assert!(message.starts_with("The request requires higher privileges"));
        assert!(
            err.to_string()
                .starts_with(r#"the access token lacks the "customers:write" scope: "#),
            "{err}"
        );

        let err = classify(403, &HeaderMap::new(), body);
        assert!(matches!(
            &err,
            Error::Forbidden {
                reason: ForbiddenReason::InsufficientScope {
                    required_scope: None
                },
                ..
            }
        ));
    }

    #[test]
    fn not_permitted() {
        let err = classify(
            403,
            &polar_headers(),
            r#"{"error":"NotPermitted","detail":"You don't have permission to manage customers"}"#,
        );
        let Error::Forbidden {
            reason,
            message,
            request_id,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*reason, ForbiddenReason::NotPermitted);
        assert_eq!(err.polar_error_code(), Some("NotPermitted"));
        assert_eq!(message, "You don't have permission to manage customers");
        assert_eq!(request_id.as_deref(), Some("req_123"));
        assert_eq!(
            err.to_string(),
            "Polar does not permit this: You don't have permission to manage customers"
        );
    }

    #[test]
    fn a_declined_payment_is_its_own_error() {
        let body =
            r#"{"error":"PaymentFailed","detail":"Payment failed with reason: card_error."}"#;
        let err = classify(402, &polar_headers(), body);
        assert!(
            matches!(&err, Error::PaymentFailed { detail, .. } if detail == "Payment failed with reason: card_error."),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(402));
        assert_eq!(err.polar_error_code(), Some("PaymentFailed"));
        assert!(!err.may_have_been_processed());
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("nothing"), "{err}");
        assert_eq!(err.request_id(), Some("req_123"));
    }

    #[test]
    fn not_found_without_version_echo_is_an_unsupported_version() {
        let h = headers(&[("content-type", "application/json")]);
        let err = classify_response(404, &h, br#"{"detail":"Not Found"}"#, "2099-01");
        assert!(
            matches!(&err, Error::UnsupportedApiVersion { requested } if requested == "2099-01"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            r#"Polar does not support API version "2099-01"; supported versions are 2026-04, 2026-10"#
        );
        assert_eq!(err.status(), Some(404));
    }

    #[test]
    fn resource_not_found_is_not_found() {
        let body = r#"{"error":"ResourceNotFound","detail":"Not found"}"#;
        let err = classify(404, &polar_headers(), body);
        assert!(
            matches!(&err, Error::NotFound { message, .. } if message == "Not found"),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("req_123"));
        // The route-level 404 with the version echoed is a plain not found.
        let err = classify(404, &polar_headers(), r#"{"detail":"Not Found"}"#);
        assert!(matches!(err, Error::NotFound { .. }));
        // A ResourceNotFound even without the echo header is still a missing resource.
        let err = classify(404, &HeaderMap::new(), body);
        assert!(matches!(err, Error::NotFound { .. }));
    }

    #[test]
    fn rate_limited_keeps_retry_after() {
        let err = classify(429, &headers(&[("retry-after", "60")]), "");
        assert!(
            matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60))
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
        assert_eq!(
            err.to_string(),
            "Polar rate-limited the request; retry in 1 min"
        );
        let huge = classify(
            429,
            &headers(&[("retry-after", "99999999999999999999")]),
            "",
        );
        assert_eq!(huge.retry_after(), Some(Duration::from_secs(3600)));
        assert_eq!(
            huge.to_string(),
            "Polar rate-limited the request; retry in 1 h"
        );
        let past = classify(
            429,
            &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]),
            "",
        );
        assert_eq!(past.retry_after(), Some(Duration::ZERO));
        assert_eq!(
            past.to_string(),
            "Polar rate-limited the request; retry in 0 s"
        );
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(429));

        let err = classify(429, &HeaderMap::new(), "");
        assert_eq!(err.retry_after(), None);
        assert_eq!(
            err.to_string(),
            "Polar rate-limited the request; retry a little later"
        );
        let err = classify(429, &headers(&[("retry-after", "later")]), "");
        assert_eq!(err.retry_after(), None);
    }

    #[test]
    fn length_required_and_too_large_are_rejections() {
        for (status, code, detail) in [
            (
                411,
                "LengthRequired",
                "A Content-Length header is required.",
            ),
            (413, "RequestBodyTooLarge", "Request body is too large."),
        ] {
            let body = format!(r#"{{"error":"{code}","detail":"{detail}"}}"#);
            let err = classify(status, &polar_headers(), &body);
            assert!(
                matches!(&err, Error::RequestRejected { status: s, error: Some(e), detail: d, .. } if *s == status && e == code && d == detail),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!("Polar refused the request with HTTP {status} ({code}): {detail}")
            );
            assert_eq!(err.status(), Some(status));
            assert!(!err.is_retryable());
        }
        let err = classify(400, &HeaderMap::new(), "bad request");
        assert_eq!(
            err.to_string(),
            "Polar refused the request with HTTP 400: bad request"
        );
        let err = classify(408, &HeaderMap::new(), "");
        assert_eq!(
            err.to_string(),
            "Polar refused the request with HTTP 408: (empty body)"
        );
        assert!(
            !err.is_retryable(),
            "not replay-safe until the operation says so"
        );
        assert!(err.with_replay_safety(true).is_retryable());
    }

    #[test]
    fn redirects_and_unexpected_statuses_have_their_own_wording() {
        for status in [301, 302, 303, 307, 308] {
            let err = classify(
                status,
                &headers(&[("location", "http://127.0.0.2:9/v1/customers/")]),
                "",
            );
            assert!(
                matches!(&err, Error::Redirected { status: s, location, followed: false, .. }
                    if *s == status && location == "http://127.0.0.2:9/v1/customers/"),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "the server at the base URL answered HTTP {status}, a redirect to \"http://127.0.0.2:9/v1/customers/\"; the client follows no redirects, so nothing was sent there: check the base URL"
                )
            );
            assert_eq!(err.status(), Some(status));
            assert!(!err.is_retryable());
            assert!(!err.may_have_been_processed());
            let with_id = classify(
                status,
                &headers(&[("location", "/x"), ("x-request-id", "req_9")]),
                "",
            );
            assert_eq!(with_id.request_id(), Some("req_9"));
        }
        for (status, words) in [
            (101, "Switching Protocols"),
            (100, "informational"),
            (304, "Not Modified"),
            (301, "without a Location"),
        ] {
            let err = classify(status, &HeaderMap::new(), "");
            assert!(
                matches!(err, Error::UnexpectedStatus { status: s, .. } if s == status),
                "{err:?}"
            );
            let text = err.to_string();
            assert!(text.contains(words), "{text}");
            assert!(!text.contains("refused"), "{text}");
        }
        let url = reqwest::Url::parse("http://127.0.0.3:8/v1/customers/?token=secret").unwrap();
        let err = answered_elsewhere(201, &url);
        assert!(
            matches!(&err, Error::Redirected { status: 201, followed: true, location, .. } if location == "http://127.0.0.3:8")
        );
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn server_text_reaches_display_without_control_characters() {
        let hostile = "line1\nFAKE LOG LINE\r\n\u{1b}[31mred\u{202e}x";
        let json = serde_json::json!({
            "error": hostile,
            "detail": hostile,
        })
        .to_string();
        let items = serde_json::json!({
            "error": "PolarRequestValidationError",
            "detail": [{"type": "value_error", "loc": ["body", hostile], "msg": hostile}],
        })
        .to_string();
        let mut errors = Vec::new();
        for status in [400, 403, 404, 409, 500, 502] {
            errors.push(classify(status, &HeaderMap::new(), &json));
            errors.push(classify(status, &HeaderMap::new(), hostile));
        }
        errors.push(classify(422, &HeaderMap::new(), &items));
        errors.push(classify(
            403,
            &headers(&[(
                "www-authenticate",
                "Bearer error=\"insufficient_scope\", scope=\"a\tb\"",
            )]),
            "",
        ));
        errors.push(classify(307, &headers(&[("location", "http://x/\ty")]), ""));
        for err in errors {
            let text = err.to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(!text.contains('\u{202e}'), "{text:?}");
        }
    }

    #[test]
    fn invalid_response_debug_is_bounded() {
        let raw = Bytes::from(vec![b'x'; 1_000_000]);
        let source = serde_json::from_slice::<serde_json::Value>(&raw).unwrap_err();
        let err = invalid_response(201, raw, source);
        assert_eq!(err.response_body().map(<[u8]>::len), Some(1_000_000));
        let debug = format!("{err:?}");
        assert!(debug.len() < 500, "{} bytes", debug.len());
    }

    #[test]
    fn server_errors_are_excerpted() {
        let html = "<!DOCTYPE html>\n<html><head><title> 502 Bad Gateway </title></head><body><h1>502</h1>cloudflare</body></html>";
        let err = classify(502, &headers(&[("content-type", "text/html")]), html);
        assert!(
            matches!(&err, Error::Server { status: 502, body_excerpt, .. } if body_excerpt == "502 Bad Gateway"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "Polar failed with server error HTTP 502, so the request may have been carried out: 502 Bad Gateway"
        );
        assert!(err.may_have_been_processed());
        let err = err.with_replay_safety(true);
        assert!(err.is_retryable());

        let untitled = format!(
            "<html><body><h1>Service\n Unavailable</h1><p>{}</p></body></html>",
            "z".repeat(500)
        );
        let err = classify(503, &HeaderMap::new(), &untitled);
        let Error::Server { body_excerpt, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(
            body_excerpt.starts_with("Service Unavailable z"),
            "{body_excerpt}"
        );
        assert_eq!(
            body_excerpt.chars().count(),
            crate::excerpt::HTML_EXCERPT_CHARS + 1
        );
        assert!(body_excerpt.ends_with('…'));

        let err = classify(
            500,
            &headers(&[("x-request-id", "abc")]),
            "Internal Server Error",
        );
        assert!(
            matches!(&err, Error::Server { status: 500, body_excerpt, .. } if body_excerpt == "Internal Server Error")
        );
        assert!(!err.is_retryable(), "500 is not a retry hint");
        assert_eq!(err.request_id(), Some("abc"));

        let json = r#"{"error":"InternalServerError","detail":"boom"}"#;
        let err = classify(504, &HeaderMap::new(), json);
        assert!(matches!(&err, Error::Server { body_excerpt, .. } if body_excerpt == json));

        let err = classify(503, &HeaderMap::new(), "");
        assert_eq!(
            err.to_string(),
            "Polar failed with server error HTTP 503, so the request may have been carried out: (empty body)"
        );
    }

    #[test]
    fn excerpts_cut_on_char_boundaries() {
        let long = "é".repeat(1000);
        let err = classify(500, &HeaderMap::new(), &long);
        let Error::Server { body_excerpt, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(body_excerpt.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn no_byte_input_panics() {
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff, 0xfe, 0x00, 0x80],
            b"<title>".to_vec(),
            b"<title></title>".to_vec(),
            b"<TITLE>\xff\xfe</TITLE>".to_vec(),
            b"<html><title>x".to_vec(),
            b"<<<>>>".to_vec(),
            b"{\"detail\":".to_vec(),
            b"{\"error\":1,\"detail\":{\"a\":[1]},\"error_description\":null}".to_vec(),
            b"{\"detail\":[1,\"x\",null,{\"loc\":\"notalist\"}]}".to_vec(),
            b"{\"detail\":[{\"loc\":[{\"a\":1},2.5,null,true]}]}".to_vec(),
            "[".repeat(100_000).into_bytes(),
            vec![b'x'; 1_000_000],
        ];
        inputs.push("İ".repeat(10_000).into_bytes());
        let h = headers(&[
            ("content-type", "text/html; charset=utf-8"),
            ("retry-after", "-1"),
        ]);
        for body in &inputs {
            for status in [
                0,
                100,
                204,
                301,
                400,
                401,
                403,
                404,
                408,
                411,
                413,
                422,
                429,
                500,
                502,
                599,
                999,
                u16::MAX,
            ] {
                for hm in [&h, &HeaderMap::new()] {
                    let err = classify_response(status, hm, body, VERSION);
                    let text = err.to_string();
                    assert!(!text.chars().any(char::is_control), "{text:?}");
                    assert!(
                        text.chars().count() < 2_000,
                        "status {status}: {} chars",
                        text.len()
                    );
                }
            }
        }
        let odd = classify(
            422,
            &HeaderMap::new(),
            r#"{"detail":[{"loc":[{"a":1},2.5,null,true]}]}"#,
        );
        assert_eq!(odd.field_errors()[0].field(), r#"{"a":1}.2.5.null.true"#);
    }

    #[test]
    fn auth_param_reads_quoted_and_bare_values() {
        assert_eq!(
            auth_param(r#"Bearer scope="a b", realm="polar""#, "scope").as_deref(),
            Some("a b")
        );
        assert_eq!(
            auth_param(r#"Bearer scope=customers:write"#, "scope").as_deref(),
            Some("customers:write")
        );
        assert_eq!(auth_param(r#"Bearer realm="polar""#, "scope"), None);
        assert_eq!(auth_param("", "scope"), None);
    }

    #[test]
    fn invalid_response_keeps_the_body() {
        let raw = Bytes::from_static(br#"{"id":"#);
        let source = serde_json::from_slice::<serde_json::Value>(&raw).unwrap_err();
        let err = invalid_response(201, raw.clone(), source);
        assert_eq!(err.response_body(), Some(&raw[..]));
        assert_eq!(err.status(), Some(201));
        assert!(
            err.to_string()
                .contains("the request was probably carried out")
        );
        assert!(err.may_have_been_processed());
        assert!(std::error::Error::source(&err).is_some());
        assert!(!err.is_retryable());
    }

    #[test]
    fn timeouts_say_whether_anything_was_sent() {
        let sent = Error::Timeout {
            after: Duration::from_secs(10),
            may_have_reached_server: true,
            replay_safe: true,
        };
        assert_eq!(
            sent.to_string(),
            "Polar did not answer within 10s, so the request may have been carried out"
        );
        assert!(sent.is_retryable());
        assert!(sent.may_have_been_processed());
        let not_replayable = sent.with_replay_safety(false);
        assert!(!not_replayable.is_retryable(), "re-sending could act twice");
        let unsent = Error::Timeout {
            after: Duration::from_millis(1500),
            may_have_reached_server: false,
            replay_safe: false,
        };
        assert!(
            unsent.is_retryable(),
            "nothing was sent, so nothing can be doubled"
        );
        assert!(!unsent.may_have_been_processed());
        assert!(
            unsent
                .to_string()
                .contains("within 1.5s; the request was not sent")
        );
    }

    /// A plain HTTP client for loopback tests.
    fn test_client() -> reqwest::Client {
        reqwest::Client::new()
    }

    #[tokio::test]
    async fn refused_connection_is_a_transport_error_that_sent_nothing() {
        let err = test_client()
            .post("http://127.0.0.1:1/v1/customers/")
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect());
        let err = classify_transport(err, Duration::from_secs(10));
        assert!(
            matches!(
                err,
                Error::Transport {
                    may_have_reached_server: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "could not connect to Polar; the request was not sent, so nothing was done"
        );
        assert!(std::error::Error::source(&err).is_some());
        assert!(err.is_retryable());
        assert_eq!(err.status(), None);
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout_that_may_have_been_processed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let limit = Duration::from_millis(200);
        let err = test_client()
            .post(format!("http://{addr}/v1/customers/"))
            .body("{}")
            .timeout(limit)
            .send()
            .await
            .unwrap_err();
        server.abort();
        let err = classify_transport(err, limit);
        assert!(
            matches!(err, Error::Timeout { after, may_have_reached_server: true, .. } if after == limit),
            "{err:?}"
        );
    }
}
