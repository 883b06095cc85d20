//! Polar's webhooks (feature `webhooks`): verify a delivery, decode its event, sign test deliveries.
//!
//! Polar signs each delivery the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64>`), with one twist: the HMAC-SHA256 key is the UTF-8 bytes of the
//! whole endpoint secret, `whsec_` prefix included. [`WebhookVerifier`] does exactly that from an
//! [`http::HeaderMap`] and the raw body, so it works with any framework
//! ([`WebhookVerifier::verify_request`] takes a whole `http::Request` with its body read, and
//! [`WebhookError::response`] is the answer to a refused one); [`sign`] produces the headers Polar
//! would send, for your receiver's tests.
//!
//! A verified [`Delivery`] and its [`Event`] are `Serialize` and `Deserialize`: queue one and
//! answer Polar at once, then decode it again in a worker (equal to what was queued). Every event
//! keeps its `data` exactly as sent ([`Event::raw_data`]), fields the typed payload drops included.
//!
//! ```
//! use polar_client::webhooks::{self, Event, WebhookError, WebhookSecret, WebhookVerifier};
//!
//! fn handle(verifier: &WebhookVerifier, headers: &http::HeaderMap, body: &[u8]) -> http::StatusCode {
//!     match verifier.verify(headers, body) {
//!         Ok(delivery) => {
//!             if let Event::CustomerCreated { customer, .. } = delivery.event() {
//!                 println!("welcome {}", customer.email().unwrap_or("-"));
//!             }
//!             http::StatusCode::ACCEPTED
//!         }
//!         Err(error) => error.status_code(),
//!     }
//! }
//!
//! let secret = WebhookSecret::new("whsec_test_secret");
//! let verifier = WebhookVerifier::new(secret.clone());
//! let body = br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{}}"#;
//! let headers = webhooks::sign(&secret, "msg_1", std::time::SystemTime::now(), body)?;
//! assert_eq!(handle(&verifier, &headers, body), http::StatusCode::ACCEPTED);
//! assert_eq!(handle(&verifier, &headers, b"{}"), http::StatusCode::UNAUTHORIZED);
//! # Ok::<(), WebhookError>(())
//! ```

mod benefit_grant;
mod billing;
mod delivery;
mod error;
mod event;
mod secret;
mod signature;
mod verify;

pub use benefit_grant::{BenefitGrant, BenefitGrantError};
pub use delivery::Delivery;
pub use error::WebhookError;
pub use event::Event;
pub use secret::WebhookSecret;
pub use signature::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign};
pub use verify::{DEFAULT_TOLERANCE, WebhookVerifier};
