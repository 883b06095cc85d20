//! [`WebhookSecret`]: the endpoint secret Polar signs deliveries with, kept out of logs.

use std::fmt;

/// The secret of one webhook endpoint, as Polar shows it (`whsec_…`).
///
/// Polar keys its HMAC with the UTF-8 bytes of the **whole** string, `whsec_` prefix included (it
/// does not base64-decode the part after the prefix, as a generic Standard Webhooks library would).
/// Surrounding whitespace, such as the newline at the end of a secrets file, is trimmed.
///
/// `Debug` never shows the secret, and the type has no `Display` (nor `PartialEq`: compare
/// signatures with [`WebhookVerifier`](super::WebhookVerifier), not secrets).
///
/// ```
/// use polar_client::webhooks::WebhookSecret;
///
/// let secret = WebhookSecret::new("whsec_9qg3Fu2wDmaY2kAw0M0gIjxg5pChVXqzmC6XSKbhMnh\n");
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
/// ```
#[derive(Clone)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps the endpoint secret (trimmed of surrounding whitespace).
    pub fn new(secret: impl Into<String>) -> Self {
        let secret = secret.into();
        let trimmed = secret.trim();
        if trimmed.len() == secret.len() {
            Self(secret)
        } else {
            Self(trimmed.to_owned())
        }
    }

    /// The HMAC key: the secret's UTF-8 bytes, prefix included.
    pub(crate) fn key(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether the secret is empty (after trimming), which can verify nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for WebhookSecret {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl From<&str> for WebhookSecret {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}
