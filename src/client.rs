//! The `Polar` client and its builder: token, server, API version, timeouts, retry policy, HTTP client.
//!
//! `build()` is where configuration is checked: a token that can only be sent as itself, a base URL
//! that cannot leak it (https, or plain http to loopback unless explicitly allowed; no query,
//! fragment or credentials), and an HTTP client of our own that follows no redirect and carries its
//! own TLS settings, leaving every other client in the process as it was.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

pub use crate::core::budget::{BudgetStats, DEFAULT_MAX_PAUSE, Priority, RequestBudget};
#[cfg(feature = "redis")]
pub use crate::core::fleet::{
    DEFAULT_LOCAL_SHARE, DEFAULT_REDIS_RETRY, DEFAULT_REDIS_TIMEOUT, RedisBudget,
};
pub use crate::core::retry::RetryPolicy;
pub use crate::core::state::DEFAULT_API_VERSION;

use crate::core::Core;
use crate::core::budget::Budget;
use crate::core::state::{ClientState, Origin};
use crate::customers::Customers;
use crate::error::Error;
use crate::events::Events;
use crate::generated;
use crate::members::Members;
use crate::meters::{CustomerMeters, Meters};
use crate::path::BaseUrl;
use crate::sessions::CustomerSessions;
use crate::validate::TokenKind;

/// The per-attempt timeout used unless [`PolarBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response body the client reads unless [`PolarBuilder::max_response_bytes`] says
/// otherwise: 4 MiB, far above any customer answer (a page of 100 customers is about 100 KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The environment variable [`Polar::from_env`] reads the access token from.
pub const ACCESS_TOKEN_ENV: &str = "POLAR_ACCESS_TOKEN";

/// The environment variable [`Polar::from_env`] reads the server from: `production` (the
/// default when unset), `sandbox`, or a base URL.
pub const SERVER_ENV: &str = "POLAR_SERVER";

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

/// Parses `production` or `sandbox` (any letter case, surrounding spaces ignored), as a
/// configuration file or [`SERVER_ENV`] would say it.
///
/// ```
/// use polar_client::Server;
///
/// assert_eq!("sandbox".parse::<Server>()?, Server::Sandbox);
/// assert_eq!(" Production ".parse::<Server>()?, Server::Production);
/// assert!("staging".parse::<Server>().is_err());
/// # Ok::<(), polar_client::ParseServerError>(())
/// ```
impl std::str::FromStr for Server {
    type Err = ParseServerError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        if name.eq_ignore_ascii_case("production") {
            Ok(Self::Production)
        } else if name.eq_ignore_ascii_case("sandbox") {
            Ok(Self::Sandbox)
        } else {
            Err(ParseServerError {
                text: name.chars().take(64).collect(),
            })
        }
    }
}

/// A text that names no Polar server (see [`Server`]'s `FromStr`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a Polar server: use \"production\" or \"sandbox\"")]
pub struct ParseServerError {
    text: String,
}

/// A client for Polar's API. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), polar_client::Error> {
/// use polar_client::{NewCustomer, Polar, Server};
///
/// let polar = Polar::builder()
///     .access_token("polar_oat_example")
///     .server(Server::Sandbox)
///     .build()?;
/// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
/// println!("created {}", customer.id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Polar {
    core: Core,
}

impl Polar {
    /// Starts configuring a client; only the access token is required.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polar_client::{Polar, RetryPolicy, Server};
    ///
    /// let polar = Polar::builder()
    ///     .access_token("polar_oat_example")
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

    /// A client configured from the environment: the access token from `POLAR_ACCESS_TOKEN`
    /// ([`ACCESS_TOKEN_ENV`]), the server from `POLAR_SERVER` ([`SERVER_ENV`]: `production` when
    /// unset, `sandbox`, or a base URL).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the token variable is unset, empty, or not a usable token,
    /// or the server variable names no server.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder()
            .access_token_from_env()?
            .server_from_env()?
            .build()
    }

    /// Operations on customers. The handle owns a clone of this client, so the futures and
    /// streams it returns borrow nothing: store them, join them, spawn them.
    pub fn customers(&self) -> Customers {
        Customers::new(self.core.clone())
    }

    /// Operations on the members of customers (when the organization uses members).
    pub fn members(&self) -> Members {
        Members::new(self.core.clone())
    }

    /// Checkout sessions: create one for a customer and send the buyer to its URL; get, list,
    /// update while open. The handle owns a clone of this client.
    pub fn checkouts(&self) -> crate::checkouts::Checkouts {
        crate::checkouts::Checkouts::new(self.core.clone())
    }

    /// Orders: get, list (by customer, checkout, subscription, …), billing details, invoice and
    /// receipt. The handle owns a clone of this client.
    pub fn orders(&self) -> crate::orders::Orders {
        crate::orders::Orders::new(self.core.clone())
    }

    /// Operations on subscriptions: read, list, cancel, revoke, change product, seats, discount
    /// and metadata (each update a call of its own). The handle owns a clone of this client.
    pub fn subscriptions(&self) -> crate::subscriptions::Subscriptions {
        crate::subscriptions::Subscriptions::new(self.core.clone())
    }

    /// Customer portal sessions: links that sign a customer into Polar's customer portal.
    pub fn customer_sessions(&self) -> CustomerSessions {
        CustomerSessions::new(self.core.clone())
    }

    /// Usage events: [`Events::ingest`] a batch, or start an [`Ingestor`](crate::Ingestor) that
    /// batches events from any task.
    pub fn events(&self) -> Events {
        Events::new(self.core.clone())
    }

    /// Meters: list, get, and their quantities over a time range.
    pub fn meters(&self) -> Meters {
        Meters::new(self.core.clone())
    }

    /// Customer meters: each customer's consumption and balance per meter.
    pub fn customer_meters(&self) -> CustomerMeters {
        CustomerMeters::new(self.core.clone())
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// The `Polar-Version` sent with every request.
    pub fn api_version(&self) -> &str {
        self.core.state().api_version()
    }

    /// A clone of this client whose calls are [`Priority::Background`] in the shared request
    /// budget: they take a slot only while no interactive call waits and half of the burst is
    /// left, so bulk work (imports, ingestion, syncs) never starves the requests someone waits
    /// for. Both share one budget, one connection pool and one configuration.
    ///
    /// ```
    /// let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let bulk = polar.background();
    /// # let _ = bulk;
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn background(&self) -> Polar {
        self.with_priority(Priority::Background)
    }

    /// A clone of this client whose calls have `priority` in the shared request budget.
    ///
    /// ```
    /// use polar_client::{Polar, Priority};
    ///
    /// let polar = Polar::builder().access_token("polar_oat_example").build()?;
    /// let interactive_again = polar.background().with_priority(Priority::Interactive);
    /// # let _ = interactive_again;
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn with_priority(&self, priority: Priority) -> Polar {
        let state = self.core.state();
        if state.priority == priority {
            return self.clone();
        }
        let api = self.core.api();
        let http = progenitor_client::ClientInfo::client(api).clone();
        let state = ClientState {
            priority,
            ..state.clone()
        };
        Polar {
            core: Core::new(generated::Client::new_with_client(
                self.core.base_url(),
                http,
                state,
            )),
        }
    }

    /// What the request budget this client shares with its clones has done so far: slots
    /// granted, waits, refusals, `429`s seen, pauses, the limit kept now.
    ///
    /// ```
    /// let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// assert_eq!(polar.budget_stats().granted, 0);
    /// // Production: at most 500 a minute (the budget keeps a 1 % margin).
    /// assert!(polar.budget_stats().limit.is_some_and(|(n, _)| n <= 500));
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn budget_stats(&self) -> BudgetStats {
        self.core.state().budget.stats()
    }

    /// The shared machinery resources run on (crate-internal tests use it).
    #[cfg(test)]
    pub(crate) fn core(&self) -> &Core {
        &self.core
    }
}

impl fmt::Debug for Polar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Polar")
            .field("base_url", &self.base_url())
            .field("state", self.core.state())
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
/// let err = Polar::builder().access_token("polar_oat_example").base_url("localhost:8765").build().unwrap_err();
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
    user_agent: Option<String>,
    allow_insecure_http: bool,
    max_response_bytes: Option<usize>,
    budget: Option<RequestBudget>,
    priority: Priority,
}

impl fmt::Debug for PolarBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolarBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url.as_deref().map(shown_url))
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("http", &self.http.is_some())
            .field("user_agent", &self.user_agent)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("budget", &self.budget)
            .field("priority", &self.priority)
            .finish()
    }
}

impl PolarBuilder {
    /// The organization access token (`polar_oat_…`) or personal access token (`polar_pat_…`).
    /// Surrounding whitespace, such as a trailing newline from a secrets file, is trimmed; pass the
    /// token alone, without a `Bearer ` prefix (the client adds it).
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Reads the access token from `POLAR_ACCESS_TOKEN`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the variable is unset or not valid Unicode.
    pub fn access_token_from_env(self) -> Result<Self, Error> {
        self.token_from(std::env::var(ACCESS_TOKEN_ENV).ok())
    }

    /// The token read from the environment, if any.
    fn token_from(self, token: Option<String>) -> Result<Self, Error> {
        match token {
            Some(token) => Ok(self.access_token(token)),
            None => Err(Error::InvalidConfig {
                message: format!(
                    "{ACCESS_TOKEN_ENV} is not set; create an access token in your Polar organization's settings"
                ),
            }),
        }
    }

    /// Takes the server from `POLAR_SERVER` ([`SERVER_ENV`]) when it is set and not empty:
    /// `production`, `sandbox`, or a base URL (`http://127.0.0.1:8080` for a local mock). Unset,
    /// the builder is unchanged (production unless told otherwise).
    ///
    /// ```
    /// // With POLAR_SERVER unset, nothing changes.
    /// # // SAFETY of the example: it only reads the variable.
    /// let polar = polar_client::Polar::builder()
    ///     .access_token("polar_oat_example")
    ///     .server_from_env()?
    ///     .build()?;
    /// # if std::env::var_os("POLAR_SERVER").is_none() {
    /// assert_eq!(polar.base_url(), "https://api.polar.sh");
    /// # }
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the variable holds something else (the base URL itself is
    /// checked by [`build`](Self::build)).
    pub fn server_from_env(self) -> Result<Self, Error> {
        self.server_from(std::env::var(SERVER_ENV).ok().as_deref())
    }

    /// The server a `POLAR_SERVER` value names (`None` or empty: unchanged).
    fn server_from(self, value: Option<&str>) -> Result<Self, Error> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(self);
        };
        if value.starts_with("http://") || value.starts_with("https://") {
            return Ok(self.base_url(value));
        }
        value
            .parse::<Server>()
            .map(|server| self.server(server))
            .map_err(|e| config_error(format!("{SERVER_ENV}: {e}, or a base URL")))
    }

    /// Talk to a Polar environment (default [`Server::Production`]).
    pub fn server(mut self, server: Server) -> Self {
        self.base_url = Some(server.base_url().to_owned());
        self
    }

    /// Talk to any Polar-compatible server, e.g. `http://127.0.0.1:8765` for a local mock.
    /// A trailing `/` is tolerated.
    ///
    /// It must be `https://`, or `http://` to a loopback host (`127.0.0.0/8`, `[::1]`, `localhost`)
    /// unless [`allow_insecure_http`](Self::allow_insecure_http) is set, and carry no query,
    /// fragment, user name or password: [`build`](Self::build) refuses anything else.
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

    /// How many requests the client and its clones may send (default by server:
    /// `RequestBudget::per_minute(500)` for production, `per_minute(100)` for sandbox,
    /// [`RequestBudget::adaptive`] for any other base URL). See [`RequestBudget`].
    ///
    /// ```
    /// use polar_client::{Polar, RequestBudget};
    ///
    /// // Three replicas share the organization's 500 requests a minute.
    /// let polar = Polar::builder()
    ///     .access_token("polar_oat_example")
    ///     .request_budget(RequestBudget::per_minute(500 / 3))
    ///     .build()?;
    /// assert!(polar.budget_stats().limit.is_some_and(|(n, _)| n <= 166));
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn request_budget(mut self, budget: RequestBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The precedence of the built client's calls in its request budget (default
    /// [`Priority::Interactive`]); [`Polar::background`] gives a background clone of any client.
    ///
    /// ```
    /// use polar_client::{Polar, Priority};
    ///
    /// // A worker process that only runs bulk jobs.
    /// let worker = Polar::builder()
    ///     .access_token("polar_oat_example")
    ///     .priority(Priority::Background)
    ///     .build()?;
    /// # let _ = worker;
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
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
    /// timeouts are still applied to every request; its `User-Agent` is kept unless
    /// [`user_agent`](Self::user_agent) is set.
    ///
    /// Configure it not to follow redirects (`reqwest::redirect::Policy::none()`), as the client
    /// built by default does: reqwest's default policy re-sends a create's body to wherever a
    /// `307`/`308` points, and turns it into a `GET` on a `301`/`302`/`303`. Should a redirect be
    /// followed anyway, an answer from another origin than the base URL is refused as
    /// [`Error::Redirected`] rather than taken for Polar's.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Names your application in the `User-Agent` header, before this crate's own product token:
    /// `user_agent("acme-billing/2.1")` sends `acme-billing/2.1 polar-client/<version>`.
    ///
    /// ```
    /// let polar = polar_client::Polar::builder()
    ///     .access_token("polar_oat_example")
    ///     .user_agent("acme-billing/2.1")
    ///     .build()?;
    /// # let _ = polar;
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Allows a plain `http://` base URL to a host that is not loopback, e.g. a Polar-compatible
    /// test server elsewhere on a private network. The access token then travels unencrypted.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a missing or empty token, one with whitespace, non-ASCII
    /// characters or a `Bearer ` prefix; a base URL that is not absolute http(s), has a query,
    /// fragment, user name or password, or is plain `http://` to a host that is not loopback
    /// (without [`allow_insecure_http`](Self::allow_insecure_http)); an unsendable API version or
    /// user agent; a zero timeout; or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Polar, Error> {
        let token = self.token.as_deref().map(str::trim).unwrap_or_default();
        let mut authorization = authorization(token)?;
        authorization.set_sensitive(true);

        let base_url = self
            .base_url
            .unwrap_or_else(|| Server::Production.base_url().to_owned());
        let base_url = base_url.trim().trim_end_matches('/');
        let parsed = check_base_url(base_url, self.allow_insecure_http)?;
        let https = parsed.scheme() == "https";

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

        let user_agent = user_agent(self.user_agent.as_deref(), self.http.is_some())?;
        let http = match self.http {
            Some(http) => http,
            None => default_http_client(https)?,
        };
        let state = ClientState {
            origin: Origin::of(&parsed),
            base: BaseUrl::new(parsed),
            authorization,
            api_version,
            user_agent,
            timeout,
            retry: self.retry.unwrap_or_default(),
            token_kind: TokenKind::of(token),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            budget: Arc::new(
                Budget::for_client(self.budget.unwrap_or_else(|| default_budget(base_url)))
                    .map_err(config_error)?,
            ),
            priority: self.priority,
        };
        Ok(Polar {
            core: Core::new(generated::Client::new_with_client(base_url, http, state)),
        })
    }
}

/// The request budget of a client of `base_url` unless told otherwise: Polar's own limits for its
/// two servers, learnt from its `429`s anywhere else.
fn default_budget(base_url: &str) -> RequestBudget {
    if base_url == Server::Production.base_url() {
        RequestBudget::per_minute(500)
    } else if base_url == Server::Sandbox.base_url() {
        RequestBudget::per_minute(100)
    } else {
        RequestBudget::adaptive()
    }
}

/// The `Authorization` header for `token` (already trimmed). Messages never show the token.
fn authorization(token: &str) -> Result<HeaderValue, Error> {
    if token.is_empty() {
        return Err(config_error(
            "the access token is missing or empty; pass one to access_token() or set POLAR_ACCESS_TOKEN",
        ));
    }
    let scheme = token
        .split_once(|c: char| c.is_whitespace())
        .map(|(first, _)| first);
    if scheme.is_some_and(|s| s.eq_ignore_ascii_case("bearer")) {
        return Err(config_error(
            "the access token starts with \"Bearer \"; pass the token alone (polar_oat_… or polar_pat_…), the client adds the prefix",
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(config_error(
            "the access token contains whitespace or characters other than visible ASCII; check it was copied whole and alone",
        ));
    }
    HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
        config_error("the access token cannot be sent as a header; check it was copied whole")
    })
}

/// Refuses a base URL that is not absolute http(s), that carries a query, fragment or credentials,
/// or that would send the token in clear text to a host other than this machine; else parses it.
fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<reqwest::Url, Error> {
    let shown = shown_url(base_url);
    let url = match reqwest::Url::parse(base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => url,
        _ => {
            return Err(config_error(format!(
                "the base URL {shown} is not an absolute http(s) URL"
            )));
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config_error(
            "the base URL contains a user name or password; Polar authenticates with the access token alone, so remove them",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config_error(format!(
            "the base URL {shown} has a query or fragment; requests append their path to the base URL, so remove it"
        )));
    }
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        return Err(config_error(format!(
            "the base URL {shown} is plain http to a host that is not loopback, so the access token would travel unencrypted; use https, or call allow_insecure_http() if you mean it"
        )));
    }
    Ok(url)
}

/// Whether the URL's host is this machine: `127.0.0.0/8`, `[::1]` or `localhost`.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A base URL as messages and `Debug` show it: quoted, or not at all when it may hold credentials.
fn shown_url(url: &str) -> String {
    if url.contains('@') {
        "(not shown: it contains '@')".to_owned()
    } else {
        format!("{url:?}")
    }
}

/// The `User-Agent` to set on each request: the caller's product then ours; ours alone on the
/// client we build; none on the caller's own client (its own `User-Agent` is kept).
fn user_agent(product: Option<&str>, own_client: bool) -> Result<Option<HeaderValue>, Error> {
    let value = match product.map(str::trim) {
        Some(product) => format!("{product} {USER_AGENT_VALUE}"),
        None if own_client => return Ok(None),
        None => return Ok(Some(HeaderValue::from_static(USER_AGENT_VALUE))),
    };
    Some(value.as_str())
        .filter(|v| v.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
        .and_then(|v| HeaderValue::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| config_error("the user agent must be visible ASCII characters and spaces"))
}

fn config_error(message: impl Into<String>) -> Error {
    Error::InvalidConfig {
        message: message.into(),
    }
}

/// The HTTP client used unless the caller brings one: no redirects followed, and TLS set up for
/// this client alone (nothing installed process-wide).
fn default_http_client(https: bool) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    with_tls(builder, https)?
        .build()
        .map_err(|e| config_error(format!("the HTTP client could not be built: {e}")))
}

/// Gives the client its own TLS configuration.
#[cfg(feature = "rustls")]
fn with_tls(
    builder: reqwest::ClientBuilder,
    _https: bool,
) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_preconfigured(tls_config()?))
}

/// Without the `rustls` feature there is no TLS to give: an https base URL needs the caller's client.
#[cfg(not(feature = "rustls"))]
fn with_tls(builder: reqwest::ClientBuilder, https: bool) -> Result<reqwest::ClientBuilder, Error> {
    if https {
        return Err(config_error(
            "this build of polar-client has no TLS (its `rustls` feature is off); pass your own reqwest client to http_client()",
        ));
    }
    Ok(builder)
}

/// rustls with the aws-lc-rs provider (reqwest's own choice) and the platform's certificate
/// verifier, owned by this client: the process-wide default provider is neither read nor set.
#[cfg(feature = "rustls")]
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(BuilderVerifierExt::with_platform_verifier)
        .map(|builder| builder.with_no_client_auth())
        .map_err(|e| config_error(format!("TLS could not be set up: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_url_for(value: Option<&str>) -> Result<String, Error> {
        let polar = Polar::builder()
            .access_token("polar_oat_test")
            .server_from(value)?
            .build()?;
        Ok(polar.base_url().to_owned())
    }

    #[test]
    fn the_server_variable_names_a_server_or_a_base_url() {
        assert_eq!(base_url_for(None).unwrap(), "https://api.polar.sh");
        assert_eq!(base_url_for(Some("  ")).unwrap(), "https://api.polar.sh");
        assert_eq!(
            base_url_for(Some("SANDBOX")).unwrap(),
            "https://sandbox-api.polar.sh"
        );
        assert_eq!(
            base_url_for(Some("http://127.0.0.1:8080/")).unwrap(),
            "http://127.0.0.1:8080"
        );
        let err = base_url_for(Some("staging")).unwrap_err();
        assert_eq!(err.kind(), "invalid_config");
        assert!(err.to_string().contains("POLAR_SERVER"), "{err}");
    }
}
