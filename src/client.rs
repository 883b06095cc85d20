//! The `Polar` client and its builder: token, server, API version, timeouts, retry policy, HTTP client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::customers::Customers;
use crate::error::Error;
use crate::generated;
use crate::retry::RetryPolicy;
use crate::run::{Finished, Operation};
use crate::validate::TokenKind;
use progenitor_client::{Error as GeneratedError, ResponseValue};

/// The `Polar-Version` this release of the crate was generated from and pins by default.
pub const DEFAULT_API_VERSION: &str = "2026-04";

/// The per-attempt timeout used unless [`PolarBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response body the client reads unless [`PolarBuilder::max_response_bytes`] says
/// otherwise: 4 MiB, far above any customer answer (a page of 100 customers is about 100 KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The environment variable [`Polar::from_env`] reads the access token from.
pub const ACCESS_TOKEN_ENV: &str = "POLAR_ACCESS_TOKEN";

const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");
const GENERATED_VERSION_HEADER: &str = "api-version";
const USER_AGENT_VALUE: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Which Polar environment to talk to. Tokens belong to one environment: a sandbox token is
/// rejected by production and the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Server {
    /// `https://api.polar.sh`, the default.
    #[default]
    Production,
    /// `https://sandbox-api.polar.sh`, for test organizations and test tokens.
    Sandbox,
}

impl Server {
    /// The server's base URL, without a trailing slash.
    ///
    /// ```
    /// assert_eq!(polar_client::Server::Sandbox.base_url(), "https://sandbox-api.polar.sh");
    /// ```
    pub fn base_url(self) -> &'static str {
        match self {
            Server::Production => "https://api.polar.sh",
            Server::Sandbox => "https://sandbox-api.polar.sh",
        }
    }
}

/// A client for Polar's API. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), polar_client::Error> {
/// use polar_client::{NewCustomer, Polar, Server};
///
/// let polar = Polar::builder()
///     .access_token("polar_oat_…")
///     .server(Server::Sandbox)
///     .build()?;
/// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
/// println!("created {}", customer.id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Polar {
    api: Arc<generated::Client>,
}

impl Polar {
    /// Starts configuring a client; only the access token is required.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_client::{Polar, RetryPolicy, Server};
    ///
    /// let polar = Polar::builder()
    ///     .access_token("polar_oat_…")
    ///     .server(Server::Sandbox)
    ///     .timeout(Duration::from_secs(5))
    ///     .retry_policy(RetryPolicy::new().max_attempts(4))
    ///     .build()?;
    /// assert_eq!(polar.base_url(), "https://sandbox-api.polar.sh");
    /// assert_eq!(polar.api_version(), polar_client::DEFAULT_API_VERSION);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn builder() -> PolarBuilder {
        PolarBuilder::default()
    }

    /// A production client whose access token comes from `POLAR_ACCESS_TOKEN`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the variable is unset, empty, or not a usable token.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().access_token_from_env()?.build()
    }

    /// Operations on customers.
    pub fn customers(&self) -> Customers<'_> {
        Customers::new(self)
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&*self.api)
    }

    /// The `Polar-Version` sent with every request.
    pub fn api_version(&self) -> &str {
        self.state().api_version()
    }

    pub(crate) fn api(&self) -> &generated::Client {
        &self.api
    }

    pub(crate) fn state(&self) -> &ClientState {
        progenitor_client::ClientInfo::inner(&*self.api)
    }

    /// Runs one generated call through the retry loop with this client's policy.
    pub(crate) async fn run<T, F, Fut>(&self, op: Operation, send: F) -> Finished<T>
    where
        T: serde::de::DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<ResponseValue<T>, GeneratedError<()>>>,
    {
        crate::run::run(self.state(), op, send).await
    }
}

impl fmt::Debug for Polar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Polar")
            .field("base_url", &self.base_url())
            .field("state", self.state())
            .finish()
    }
}

/// Configures a [`Polar`] client. Only the access token is required; start with [`Polar::builder`].
///
/// Nothing is checked until [`build`](PolarBuilder::build), which reports the first problem:
///
/// ```
/// use polar_client::{Error, Polar};
///
/// let err = Polar::builder().access_token("polar_oat_…").base_url("localhost:8765").build().unwrap_err();
/// assert!(matches!(err, Error::InvalidConfig { .. }));
/// assert!(err.to_string().contains("not an absolute http(s) URL"));
/// ```
#[derive(Default)]
#[must_use]
pub struct PolarBuilder {
    token: Option<String>,
    base_url: Option<String>,
    api_version: Option<String>,
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    max_response_bytes: Option<usize>,
}

impl fmt::Debug for PolarBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolarBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("http", &self.http.is_some())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl PolarBuilder {
    /// The organization access token (`polar_oat_…`) or personal access token (`polar_pat_…`).
    /// Surrounding whitespace, such as a trailing newline from a secrets file, is trimmed.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Reads the access token from `POLAR_ACCESS_TOKEN`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the variable is unset or not valid Unicode.
    pub fn access_token_from_env(self) -> Result<Self, Error> {
        match std::env::var(ACCESS_TOKEN_ENV) {
            Ok(token) => Ok(self.access_token(token)),
            Err(_) => Err(Error::InvalidConfig {
                message: format!(
                    "{ACCESS_TOKEN_ENV} is not set; create an access token in your Polar organization's settings"
                ),
            }),
        }
    }

    /// Talk to a Polar environment (default [`Server::Production`]).
    pub fn server(mut self, server: Server) -> Self {
        self.base_url = Some(server.base_url().to_owned());
        self
    }

    /// Talk to any Polar-compatible server, e.g. `http://127.0.0.1:8765` for a local mock.
    /// A trailing `/` is tolerated.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The `Polar-Version` to send (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The timeout of one attempt, from sending to the last byte of the response
    /// (default [`DEFAULT_TIMEOUT`]). The retry policy's overall deadline bounds the whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How failed attempts are retried (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body the client reads (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    ///
    /// Reading stops as soon as more arrives, whatever `Content-Length` says, so a broken or hostile
    /// server cannot exhaust memory; the call then fails with [`Error::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Use your own `reqwest::Client` (its proxy, TLS and pool settings). Our headers and
    /// timeouts are still applied to every request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a missing, empty or unsendable token, an unparsable base URL,
    /// an unsendable API version, a zero timeout, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Polar, Error> {
        let token = self.token.as_deref().map(str::trim).unwrap_or_default();
        if token.is_empty() {
            return Err(config_error(
                "the access token is missing or empty; pass one to access_token() or set POLAR_ACCESS_TOKEN",
            ));
        }
        let mut authorization = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
            config_error("the access token contains characters an HTTP header cannot carry; check it was copied whole")
        })?;
        authorization.set_sensitive(true);

        let base_url = self
            .base_url
            .unwrap_or_else(|| Server::Production.base_url().to_owned());
        let base_url = base_url.trim().trim_end_matches('/');
        match reqwest::Url::parse(base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => {
                return Err(config_error(format!(
                    "the base URL {base_url:?} is not an absolute http(s) URL"
                )));
            }
        }

        let version = self
            .api_version
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
        // Visible ASCII only: Polar's versions are dates, and `api_version()` reads it back as text.
        let api_version = Some(version.trim())
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()))
            .and_then(|v| HeaderValue::try_from(v).ok())
            .ok_or_else(|| {
                config_error(format!(
                    "the API version {version:?} cannot be sent as a header"
                ))
            })?;

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(config_error("the timeout must be longer than zero"));
        }

        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let state = ClientState {
            authorization,
            api_version,
            timeout,
            retry: self.retry.unwrap_or_default(),
            token_kind: TokenKind::of(token),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        };
        Ok(Polar {
            api: Arc::new(generated::Client::new_with_client(base_url, http, state)),
        })
    }
}

fn config_error(message: impl Into<String>) -> Error {
    Error::InvalidConfig {
        message: message.into(),
    }
}

fn default_http_client() -> Result<reqwest::Client, Error> {
    // reqwest is built without a bundled crypto provider; ring is ours. An application that
    // installed a provider already keeps it (the error only says one exists).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(USER_AGENT_VALUE)
        .build()
        .map_err(|e| config_error(format!("the HTTP client could not be built: {e}")))
}

/// What every request of one client shares: credentials, version, timeouts, retry policy.
#[derive(Clone)]
pub(crate) struct ClientState {
    authorization: HeaderValue,
    api_version: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) token_kind: TokenKind,
    pub(crate) max_response_bytes: usize,
}

impl ClientState {
    /// The `Polar-Version` this client sends.
    pub(crate) fn api_version(&self) -> &str {
        self.api_version.to_str().unwrap_or(DEFAULT_API_VERSION)
    }

    /// Puts our headers on a request the generated code built, and drops the Dropshot-style
    /// `api-version` header progenitor adds (Polar reads `Polar-Version`).
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        headers.remove(GENERATED_VERSION_HEADER);
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers.insert(POLAR_VERSION, self.api_version.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("authorization", &"<redacted>")
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("token_kind", &self.token_kind)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}
