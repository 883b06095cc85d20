//! [`CustomerSession`]: a customer portal session Polar created, whose token is a secret.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customers::customer::Customer;

/// A customer portal session (Polar's `CustomerSession`): a link that signs the customer into
/// Polar's customer portal, valid for one hour.
///
/// Send the customer to [`CustomerSession::customer_portal_url`]. The [`token`](CustomerSession::token)
/// authenticates as the customer until [`expires_at`](CustomerSession::expires_at) and is
/// returned only once; it is a secret, so `Debug` shows neither the token nor the portal URL's
/// query (which carries it). There is no refresh: create a new session when one expires.
///
/// Required when decoding: `id`, `created_at`, `token`, `expires_at`, `customer_portal_url`,
/// `customer_id` and `customer`; unknown fields are ignored. `Serialize` writes Polar's JSON
/// shape back, token included.
///
/// ```
/// use polar_client::CustomerSession;
///
/// let session: CustomerSession = serde_json::from_str(r#"{
///     "id": "a1b2c3d4-0000-4000-8000-000000000001",
///     "created_at": "2026-04-01T10:00:00Z",
///     "modified_at": null,
///     "token": "polar_cst_secret",
///     "expires_at": "2026-04-01T11:00:00Z",
///     "return_url": "https://example.com/account",
///     "customer_portal_url": "https://polar.sh/acme/portal?customer_session_token=polar_cst_secret&email=jane%40example.org",
///     "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "customer": {
///         "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///         "created_at": "2026-03-01T10:00:00Z",
///         "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///         "email": "jane@example.org"
///     }
/// }"#)?;
/// assert!(session.customer_portal_url().starts_with("https://polar.sh/acme/portal?"));
/// assert_eq!(session.customer().email(), Some("jane@example.org"));
/// assert!(!format!("{session:?}").contains("polar_cst_secret"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A customer portal session: its secret token and the portal link.")
)]
pub struct CustomerSession {
    id: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    token: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    expires_at: DateTime<Utc>,
    #[serde(default)]
    return_url: Option<String>,
    customer_portal_url: String,
    customer_id: String,
    customer: Customer,
}

impl CustomerSession {
    /// The session's ID (a member session's ID when the organization uses members).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the session was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the session was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The session token (`polar_cst_…`, or `polar_mst_…` for a member session): it
    /// authenticates as the customer, so treat it like a password and never log it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// When the session (and the portal link) stops working, one hour after creation.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Where the portal's back button leads, if a return URL was given (as Polar normalised it,
    /// e.g. with a trailing `/`).
    pub fn return_url(&self) -> Option<&str> {
        self.return_url.as_deref()
    }

    /// The link that opens the customer portal signed in; it contains the token.
    pub fn customer_portal_url(&self) -> &str {
        &self.customer_portal_url
    }

    /// The ID of the customer the session is for.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The customer the session is for.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }
}

/// Everything but the secrets: the token is left out and the portal URL is cut at its query.
impl fmt::Debug for CustomerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query (token and email) goes; the token goes wherever else it might appear.
        let portal = match self.customer_portal_url.split_once(['?', '#']) {
            Some((base, _)) => format!("{base}?[redacted]"),
            None => self.customer_portal_url.clone(),
        };
        let portal = match self.token.as_str() {
            "" => portal,
            token => portal.replace(token, "[redacted]"),
        };
        f.debug_struct("CustomerSession")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("modified_at", &self.modified_at)
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("return_url", &self.return_url)
            .field("customer_portal_url", &portal)
            .field("customer_id", &self.customer_id)
            .field("customer", &self.customer)
            .finish()
    }
}
