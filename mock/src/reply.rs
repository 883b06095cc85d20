//! The answers the mock sends: a status, headers and bytes, with constructors for Polar's
//! response shapes (the four JSON error envelopes, the empty 429, proxy pages).

use serde_json::{Value, json};
use std::time::Duration;

/// The `error_description` of an unknown, expired or revoked token.
const INVALID_TOKEN_DESCRIPTION: &str =
    "The access token provided is expired, revoked, malformed, or invalid for other reasons.";
/// The `error_description` of a token without the scope the route needs.
const INSUFFICIENT_SCOPE_DESCRIPTION: &str =
    "The request requires higher privileges than provided by the access token.";

/// One HTTP answer, before it is turned into a hyper response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// Header names (lower case) and values, in order.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The body bytes.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// An answer without a body.
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON answer.
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// `404 {"detail":"Not Found"}`: unknown routes and unsupported API versions.
    pub(crate) fn not_found() -> Self {
        Self::json(404, &json!({"detail": "Not Found"}))
    }

    /// `404 ResourceNotFound` with a handler's detail (`"Not found"`, `"Customer not found"`,
    /// `"Member not found"`): a lookup that found nothing.
    pub(crate) fn resource_not_found(detail: &str) -> Self {
        Self::json(404, &json!({"error": "ResourceNotFound", "detail": detail}))
    }

    /// `405 {"detail":"Method Not Allowed"}` with the path's methods in `Allow`.
    pub(crate) fn method_not_allowed(methods: &[hyper::Method]) -> Self {
        let allowed: Vec<&str> = methods.iter().map(hyper::Method::as_str).collect();
        Self::json(405, &json!({"detail": "Method Not Allowed"}))
            .with_header("allow", allowed.join(", "))
    }

    /// `403 NotPermitted`: an organization rule forbids the operation.
    pub(crate) fn not_permitted(detail: &str) -> Self {
        Self::json(403, &json!({"error": "NotPermitted", "detail": detail}))
    }

    /// `409 AmbiguousExternalCustomerID`: a personal token sees several customers with the
    /// external id a member endpoint names.
    pub(crate) fn ambiguous_external_customer_id() -> Self {
        Self::json(
            409,
            &json!({
                "error": "AmbiguousExternalCustomerID",
                "detail": "Several customers across your organizations share this external customer ID. Use the customer ID instead.",
            }),
        )
    }

    /// `500` as plain text: an error Polar's handlers do not map (e.g. a unique constraint).
    pub(crate) fn unhandled() -> Self {
        Self {
            status: 500,
            headers: vec![("content-type", "text/plain; charset=utf-8".to_owned())],
            body: b"Internal Server Error".to_vec(),
        }
    }

    /// `401 Unauthorized`: no usable `Authorization: Bearer` header.
    pub(crate) fn unauthorized() -> Self {
        Self::json(
            401,
            &json!({"error": "Unauthorized", "detail": "Unauthorized"}),
        )
        .with_header("www-authenticate", "Bearer realm=\"polar\"")
    }

    /// `401 invalid_token`: a token the server does not know.
    pub(crate) fn invalid_token() -> Self {
        Self::json(
            401,
            &json!({"error": "invalid_token", "error_description": INVALID_TOKEN_DESCRIPTION}),
        )
        .with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"polar\", error=\"invalid_token\", error_description=\"{INVALID_TOKEN_DESCRIPTION}\""
            ),
        )
    }

    /// `403 insufficient_scope`: a valid token without any of the `scopes` the route needs.
    pub(crate) fn insufficient_scope(scopes: &[&str]) -> Self {
        Self::json(
            403,
            &json!({"error": "insufficient_scope", "error_description": INSUFFICIENT_SCOPE_DESCRIPTION}),
        )
        .with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"polar\", error=\"insufficient_scope\", error_description=\"{INSUFFICIENT_SCOPE_DESCRIPTION}\", scope=\"{}\"",
                scopes.join(" ")
            ),
        )
    }

    /// `411 LengthRequired`: a body sent without `Content-Length`.
    pub(crate) fn length_required() -> Self {
        Self::json(
            411,
            &json!({"error": "LengthRequired", "detail": "A Content-Length header is required."}),
        )
    }

    /// `413 RequestBodyTooLarge`: a body over the server's limit.
    pub(crate) fn too_large(limit: usize) -> Self {
        Self::json(
            413,
            &json!({
                "error": "RequestBodyTooLarge",
                "detail": format!("Request body is too large. Maximum allowed size is {limit} bytes."),
            }),
        )
    }

    /// `429` with an empty body and only `Retry-After` (whole seconds, rounded up).
    pub(crate) fn rate_limited(retry_after: Duration) -> Self {
        let mut seconds = retry_after.as_secs();
        if retry_after.subsec_nanos() > 0 {
            seconds += 1;
        }
        Self::empty(429).with_header("retry-after", seconds.to_string())
    }

    /// A server error from the application itself, as JSON.
    pub(crate) fn server_error(status: u16) -> Self {
        Self::json(
            status,
            &json!({"error": "InternalServerError", "detail": reason(status)}),
        )
    }

    /// A server error page from a reverse proxy in front of the application, as HTML.
    pub(crate) fn proxy_page(status: u16) -> Self {
        let title = format!("{status} {}", reason(status));
        Self {
            status,
            headers: vec![("content-type", "text/html".to_owned())],
            body: format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            )
            .into_bytes(),
        }
    }

    /// `422 RequestValidationError`: the body does not fit the schema.
    pub(crate) fn schema_error(items: Vec<Value>) -> Self {
        Self::json(
            422,
            &json!({"error": "RequestValidationError", "detail": items}),
        )
    }

    /// `422 PolarRequestValidationError`: the body breaks a business rule.
    pub(crate) fn business_error(items: Vec<Value>) -> Self {
        Self::json(
            422,
            &json!({"error": "PolarRequestValidationError", "detail": items}),
        )
    }
}

/// One item of a 422 `detail` list.
pub(crate) fn error_item(
    kind: &str,
    loc: Vec<Value>,
    msg: impl Into<String>,
    input: Value,
) -> Value {
    json!({"type": kind, "loc": loc, "msg": msg.into(), "input": input})
}

/// The reason phrase of a status code, or `"Error"` for an unregistered one.
fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Error")
}
