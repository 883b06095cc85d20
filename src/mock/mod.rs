//! A local Polar: an in-process HTTP server on 127.0.0.1 that answers Polar's customer endpoints
//! the way the real server does, and can inject faults.
//!
//! It serves `POST /v1/customers/` (create), `GET /v1/customers/` (list, with the `email`,
//! `organization_id`, `sorting`, `page` and `limit` parameters) and
//! `GET /v1/customers/external/{external_id}`, and redirects `/v1/customers` without the slash;
//! all with Polar's version handling, authentication, validation errors, duplicate detection and
//! response shapes. It speaks plain JSON and does not use the rest of this crate, so any HTTP
//! client can be tested against it.
//!
//! # Examples
//! ```
//! use polar_client::mock::MockPolar;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let polar = MockPolar::start().await?;
//! println!("POST {}/v1/customers/ with Bearer {}", polar.base_url(), polar.organization_token());
//! // ... exercise your code against polar.base_url() ...
//! assert!(polar.customers().is_empty());
//! # Ok(())
//! # }
//! ```

mod app;
mod customer;
mod events;
mod fault;
mod list;
mod query;
mod recorded;
mod reference;
mod reply;
mod schema;
mod server;
mod state;
mod syntax;
#[cfg(feature = "webhooks")]
mod webhook_dispatch;
#[cfg(feature = "webhooks")]
mod webhooks;

pub use events::MockEvent;
pub use fault::Fault;
pub use recorded::RecordedRequest;
#[cfg(feature = "webhooks")]
pub use webhooks::{AttemptOutcome, DeliveryAttempt, WebhookDeliveries, WebhookEndpoint};

use state::{Identity, State};
use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The organization token a mock knows unless told otherwise.
const DEFAULT_ORGANIZATION_TOKEN: &str = "polar_oat_mock_organization_token";
/// The organization of that token unless told otherwise.
const DEFAULT_ORGANIZATION_ID: Uuid = Uuid::from_u128(0x1dbf_c517_0bbf_4301_9ba8_555c_a42b_9737);

/// A running mock Polar server; dropping it stops the server and closes its connections.
///
/// It knows one organization token (with `customers:write`) for one organization, plus any
/// personal or read-only tokens added through [`MockPolar::builder`].
///
/// # Examples
/// ```
/// use polar_client::mock::MockPolar;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let polar = MockPolar::builder().organization_token("polar_oat_test").start().await?;
/// assert!(polar.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(polar.organization_token(), "polar_oat_test");
/// // Send `Authorization: Bearer polar_oat_test` to `{base_url}/v1/customers/` ...
/// assert!(polar.customers().is_empty());
/// # Ok(())
/// # }
/// ```
pub struct MockPolar {
    state: Arc<State>,
    address: SocketAddr,
    organization_token: String,
    organization_id: Uuid,
    server: JoinHandle<()>,
}

impl MockPolar {
    /// Starts a mock with the default tokens on a free port of 127.0.0.1
    /// (`MockPolar::builder().start()`); must be called inside a Tokio runtime.
    ///
    /// # Errors
    /// The I/O error of binding the listening socket.
    ///
    /// # Examples
    /// ```
    /// # use polar_client::mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// assert_eq!(polar.organization_token(), "polar_oat_mock_organization_token");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start() -> std::io::Result<MockPolar> {
        Self::builder().start().await
    }

    /// A builder to choose tokens, organizations and the port.
    #[must_use]
    pub fn builder() -> MockPolarBuilder {
        MockPolarBuilder {
            organization_token: DEFAULT_ORGANIZATION_TOKEN.to_owned(),
            organization_id: DEFAULT_ORGANIZATION_ID,
            personal_tokens: Vec::new(),
            read_only_tokens: Vec::new(),
            port: 0,
        }
    }

    /// The server's base URL, `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The organization access token the server accepts (with `customers:write`).
    pub fn organization_token(&self) -> &str {
        &self.organization_token
    }

    /// The organization of [`organization_token`](Self::organization_token).
    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    /// The stored customers, in creation order, exactly as their 201 bodies.
    pub fn customers(&self) -> Vec<serde_json::Value> {
        self.state.customers()
    }

    /// Every event Polar would have sent a webhook for so far (`customer.*`, `member.*`), oldest
    /// first; see [`MockEvent`] for which operations record which events.
    ///
    /// # Examples
    /// ```
    /// # use polar_client::mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// // ... create a customer through polar.base_url() ...
    /// for event in polar.events() {
    ///     println!("{} {}", event.event_type, event.data["id"]);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn events(&self) -> Vec<MockEvent> {
        self.state.events()
    }

    /// A receiver of every event recorded from now on, in order (for delivering webhooks as they
    /// happen). A receiver that falls more than 1,024 events behind gets
    /// [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged) and skips ahead;
    /// [`events`](Self::events) always has the whole log. Receivers see the channel close when the
    /// mock is dropped.
    ///
    /// # Examples
    /// ```
    /// # use polar_client::mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// let mut events = polar.subscribe_events();
    /// let printer = tokio::spawn(async move {
    ///     while let Ok(event) = events.recv().await {
    ///         println!("{}", event.envelope());
    ///     }
    /// });
    /// // ... create, update and delete customers through polar.base_url() ...
    /// drop(polar); // closes the channel, so the loop ends
    /// printer.await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<MockEvent> {
        self.state.subscribe_events()
    }

    /// Every request received so far, in arrival order (including those that got an error or a
    /// fault).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Queues `fault` for the next `times` requests; faults queued earlier come first.
    ///
    /// # Examples
    /// ```
    /// # use polar_client::mock::{Fault, MockPolar};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// polar.fail_next(1, Fault::ServerError { status: 503 });
    /// # Ok(())
    /// # }
    /// ```
    pub fn fail_next(&self, times: usize, fault: Fault) {
        self.state.queue_faults(times, &fault);
    }
}

impl fmt::Debug for MockPolar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockPolar")
            .field("base_url", &self.base_url())
            .field("organization_id", &self.organization_id)
            .finish_non_exhaustive()
    }
}

impl Drop for MockPolar {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Configures a [`MockPolar`] before it starts.
///
/// # Examples
/// ```
/// use polar_client::mock::MockPolar;
/// use uuid::Uuid;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let organization = Uuid::parse_str("1dbfc517-0bbf-4301-9ba8-555ca42b9737").unwrap();
/// let polar = MockPolar::builder()
///     .organization_id(organization)
///     .personal_token("polar_pat_me", [organization])
///     .token_without_write_scope("polar_oat_read_only")
///     .start()
///     .await?;
/// assert_eq!(polar.organization_id(), organization);
/// # Ok(())
/// # }
/// ```
pub struct MockPolarBuilder {
    organization_token: String,
    organization_id: Uuid,
    personal_tokens: Vec<(String, Vec<Uuid>)>,
    read_only_tokens: Vec<String>,
    port: u16,
}

impl MockPolarBuilder {
    /// The organization access token to accept (default `polar_oat_mock_organization_token`).
    #[must_use]
    pub fn organization_token(mut self, token: impl Into<String>) -> Self {
        self.organization_token = token.into();
        self
    }

    /// The organization of the organization token (a fixed UUID by default).
    #[must_use]
    pub fn organization_id(mut self, id: Uuid) -> Self {
        self.organization_id = id;
        self
    }

    /// Adds a personal (user) token whose user belongs to `organizations`; creates with it must
    /// name one of them in `organization_id`. May be called more than once.
    #[must_use]
    pub fn personal_token(
        mut self,
        token: impl Into<String>,
        organizations: impl IntoIterator<Item = Uuid>,
    ) -> Self {
        self.personal_tokens
            .push((token.into(), organizations.into_iter().collect()));
        self
    }

    /// Adds an organization token (for the mock's organization) that lacks `customers:write`:
    /// creates with it get `403 insufficient_scope`; lookups work. May be called more than once.
    #[must_use]
    pub fn token_without_write_scope(mut self, token: impl Into<String>) -> Self {
        self.read_only_tokens.push(token.into());
        self
    }

    /// The port to listen on; 0 (the default) picks a free one. The address is always 127.0.0.1.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// The I/O error of binding the listening socket (e.g. the port is taken).
    pub async fn start(self) -> std::io::Result<MockPolar> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let address = listener.local_addr()?;
        let mut tokens = HashMap::new();
        for token in self.read_only_tokens {
            tokens.insert(
                token,
                Identity::Organization {
                    id: self.organization_id,
                    can_write: false,
                },
            );
        }
        for (token, organizations) in self.personal_tokens {
            tokens.insert(token, Identity::Personal { organizations });
        }
        tokens.insert(
            self.organization_token.clone(),
            Identity::Organization {
                id: self.organization_id,
                can_write: true,
            },
        );
        let state = Arc::new(State::new(tokens));
        let server = tokio::spawn(server::serve(listener, Arc::clone(&state)));
        Ok(MockPolar {
            state,
            address,
            organization_token: self.organization_token,
            organization_id: self.organization_id,
            server,
        })
    }
}

impl fmt::Debug for MockPolarBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockPolarBuilder")
            .field("organization_id", &self.organization_id)
            .field("personal_tokens", &self.personal_tokens.len())
            .field("read_only_tokens", &self.read_only_tokens.len())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}
