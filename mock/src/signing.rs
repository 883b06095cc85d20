//! How the mock signs a webhook delivery, written here rather than borrowed from the client so
//! that the client's verifier is tested against an independent signer: Standard Webhooks headers
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), the HMAC-SHA256 of
//! `"{id}.{timestamp}.{body}"` keyed, as Polar keys it, with the UTF-8 bytes of the whole secret
//! (`whsec_` prefix included; see `polarsource/polar`, `server/polar/webhook/`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue};
use sha2::Sha256;

/// An endpoint's signing secret; `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    /// Keeps the secret without the whitespace around it (a secrets file's final newline).
    pub(crate) fn new(secret: String) -> Self {
        Self(secret.trim().to_owned())
    }

    /// Whether nothing is left to key the HMAC with.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The three signature headers of one attempt, or why the attempt cannot be signed.
pub(crate) fn sign(
    secret: &Secret,
    webhook_id: &str,
    signed_at: DateTime<Utc>,
    body: &[u8],
) -> Result<HeaderMap, &'static str> {
    if secret.is_empty() {
        return Err("the webhook secret is empty");
    }
    if webhook_id.is_empty() {
        return Err("the webhook id is empty");
    }
    let timestamp = signed_at.timestamp().to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.0.as_bytes())
        .map_err(|_| "the webhook secret cannot key an HMAC")?;
    for part in [
        webhook_id.as_bytes(),
        b".",
        timestamp.as_bytes(),
        b".",
        body,
    ] {
        mac.update(part);
    }
    let signature = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    // `to_str` is how receivers read headers: it refuses the non-ASCII `from_str` lets through.
    let value = |text: &str| {
        HeaderValue::from_str(text)
            .ok()
            .filter(|value| value.to_str().is_ok())
            .ok_or("a header is not visible ASCII")
    };
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert("webhook-id", value(webhook_id)?);
    headers.insert("webhook-timestamp", value(&timestamp)?);
    headers.insert("webhook-signature", value(&signature)?);
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("user-agent", HeaderValue::from_static("polar.sh webhooks"));
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_content_with_the_whole_secret() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let headers = sign(&Secret::new("whsec_test\n".into()), "msg_1", at, b"{}").unwrap();
        // HMAC-SHA256("whsec_test", "msg_1.1700000000.{}"), computed independently with
        // `printf 'msg_1.1700000000.{}' | openssl dgst -sha256 -hmac whsec_test -binary | base64`.
        assert_eq!(headers["webhook-timestamp"], "1700000000");
        assert_eq!(headers["webhook-id"], "msg_1");
        assert_eq!(
            headers["webhook-signature"],
            "v1,aVLimmNaD/+gvqoWopKW7yh/Nfk3nZtgohDCIa/8YQo="
        );
    }

    #[test]
    fn refuses_an_empty_secret_and_a_non_ascii_id() {
        let at = Utc::now();
        assert!(sign(&Secret::new("  ".into()), "msg_1", at, b"{}").is_err());
        assert!(sign(&Secret::new("whsec_x".into()), "msg_\u{e9}", at, b"{}").is_err());
        assert!(sign(&Secret::new("whsec_x".into()), "", at, b"{}").is_err());
    }
}
