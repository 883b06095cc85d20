//! What every request of one client shares — credentials, version, where requests go, timeouts,
//! retry policy, request budget — as the generated client's inner state, read by the hooks and the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::core::budget::{Budget, Priority};
use crate::core::retry::RetryPolicy;
use crate::path::BaseUrl;
use crate::validate::TokenKind;

/// The `Polar-Version` this release of the crate was generated from and pins by default.
pub const DEFAULT_API_VERSION: &str = "2026-04";

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");

/// The origin (scheme, host, port) of the client's base URL, which every request goes to.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    scheme: String,
    host: Option<String>,
    port: Option<u16>,
}

impl Origin {
    /// The origin of `url`.
    pub(crate) fn of(url: &Url) -> Self {
        Self {
            scheme: url.scheme().to_owned(),
            host: url.host_str().map(str::to_owned),
            port: url.port_or_known_default(),
        }
    }

    /// Whether `url` has this origin (compared as `Url::origin` does, without allocating).
    pub(crate) fn holds(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == self.host.as_deref()
            && url.port_or_known_default() == self.port
    }
}

/// What every request of one client shares: credentials, version, timeouts, retry policy.
#[derive(Clone)]
pub(crate) struct ClientState {
    /// Where every request goes: an answer from elsewhere is not Polar's.
    pub(crate) origin: Origin,
    /// The base URL, parsed once: each request's URL is a copy with its path set.
    pub(crate) base: BaseUrl,
    pub(crate) authorization: HeaderValue,
    pub(crate) api_version: HeaderValue,
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) token_kind: TokenKind,
    pub(crate) max_response_bytes: usize,
    /// The request budget every clone of the client shares.
    pub(crate) budget: Arc<Budget>,
    /// The precedence of this handle's calls in that budget.
    pub(crate) priority: Priority,
}

impl ClientState {
    /// The URL of a request to `path`, for the generated code (`build.rs` routes every request's
    /// URL through here): see [`BaseUrl::join`].
    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.join(path)
    }

    /// The `Polar-Version` this client sends.
    pub(crate) fn api_version(&self) -> &str {
        self.api_version.to_str().unwrap_or(DEFAULT_API_VERSION)
    }

    /// Puts our headers on a request the generated code built (which, unlike progenitor's usual
    /// output, carries no Dropshot `api-version` header: `build.rs` leaves it out).
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers.insert(POLAR_VERSION, self.api_version.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(agent) = &self.user_agent {
            headers.insert(USER_AGENT, agent.clone());
        }
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("origin", &self.origin)
            .field("authorization", &"<redacted>")
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("token_kind", &self.token_kind)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("budget", &self.budget)
            .field("priority", &self.priority)
            .finish()
    }
}
