//! A local Polar: an in-process HTTP server on 127.0.0.1 that answers Polar's customer API the
//! way the real server does, records the webhook events Polar would send, and can inject faults.
//!
//! It serves every operation of the crate's vendored spec, with Polar's semantics:
//! - customers: create (`POST /v1/customers/`), list (`GET /v1/customers/` with `email`, `query`,
//!   `active`, `metadata[key]=value`, `organization_id`, `sorting`, `page`, `limit`), and by id
//!   (`/v1/customers/{id}`) or external id (`/v1/customers/external/{external_id}`): get,
//!   update (`PATCH`, with Polar's per-field rules, all rule errors in one 422) and delete (a
//!   soft delete that frees the email and external id; `?anonymize=true`);
//! - customer state (`…/state`): the subscriptions, benefit grants and meters a test attaches
//!   with [`MockPolar::add_subscription`] ([`MockSubscription`]), [`MockPolar::grant_benefit`]
//!   ([`MockBenefitGrant`]) and [`MockPolar::add_meter`];
//! - members (`…/members`, `…/members/{member_id}`), when the organization has the member model
//!   or seat-based pricing ([`MockPolarBuilder::member_model`]);
//! - customer portal sessions (`POST /v1/customer-sessions/`), member sessions in member mode.
//!
//! Around them: version handling, token validity and scopes, route misses, 405s and the 307s of
//! the wrong slash form, UUID v4 path validation, `Content-Length` rules, and the four JSON error
//! shapes. Every change Polar sends a webhook for is recorded as a [`MockEvent`]
//! ([`MockPolar::events`], [`MockPolar::subscribe_events`]). Like Polar, a request the mock has
//! accepted is finished and stored even if the client goes away. It speaks plain JSON and does
//! not use the rest of this crate, so any HTTP client can be tested against it.
//!
//! # Webhook events per operation
//!
//! Each accepted operation records, in this order, the events Polar would send (see
//! [`MockEvent`] for their payloads; [`MockPolar::deliver_webhooks`] sends them as signed
//! webhooks). Refused requests (4xx) and reads record nothing.
//!
//! | operation | events recorded |
//! |---|---|
//! | create a customer (`POST /v1/customers/`) | with the member model or seat-based pricing: `member.created` (the owner); then `customer.created`, `customer.state_changed` |
//! | update a customer (`PATCH …/{id}`, `…/external/{external_id}`; also `{}`) | `customer.updated`, `customer.state_changed` |
//! | delete a customer (`DELETE`, with or without `anonymize`) | `member.deleted` for each of its members; then `customer.deleted`, `customer.state_changed` |
//! | create a member (`POST …/members`) | `member.created` |
//! | update a member (`PATCH …/members/{member_id}`) | `member.updated` only if its name, email or role changed; an ownership transfer records it for the promoted member only |
//! | delete a member (`DELETE …/members/{member_id}`) | `member.deleted` |
//! | create a customer session (`POST /v1/customer-sessions/`) | none |
//! | [`MockPolar::add_subscription`], [`MockPolar::grant_benefit`], [`MockPolar::add_meter`] | `customer.state_changed` |
//! | get, list, customer state, any refused request or fault before storing | none |
//!
//! Not modelled: `GET /v1/customers/export`, the member list and the deprecated `/v1/members/`
//! routes, rate limits other than one per-organization limit ([`MockPolarBuilder::rate_limit`];
//! or inject [`Fault::RateLimited`]), the read-replica lag and state caching
//! (reads always see the latest write), email deliverability (DNS) checks.
//!
//! # Examples
//! ```
//! use polar_client_mock::MockPolar;
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

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod attachments;
mod billing;
mod call;
mod customer;
mod customer_state;
mod customers;
mod events;
mod fault;
mod list;
mod members;
mod query;
mod rate_limit;
mod recorded;
mod reference;
mod removal;
mod reply;
mod routes;
mod schema;
mod server;
mod sessions;
mod signing;
mod stamp;
mod state;
mod stored;
mod syntax;
mod update;
mod usage;
mod webhook_dispatch;
mod webhook_types;
mod webhooks;

pub use attachments::{MockBenefitGrant, MockSubscription};
pub use billing::{Buyer, CompletedCheckout, MockProduct};
pub use events::MockEvent;
pub use fault::Fault;
/// The HTTP method type [`MockPolar::fail_next_matching`] takes, re-exported so tests need not
/// depend on the `http` crate themselves.
pub use http::Method;
pub use recorded::RecordedRequest;
pub use usage::UsageEvent;
/// The id type of the mock's API (customer ids, organization ids), re-exported so tests need
/// no direct `uuid` dependency.
pub use uuid::Uuid;
pub use webhook_types::{AttemptOutcome, DeliveryAttempt, WebhookEndpoint};
pub use webhooks::{NotSettled, WebhookDeliveries};

use customer_state::Attachment;
use state::{Features, Identity, Scopes, State};
use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The organization token a mock knows unless told otherwise.
const DEFAULT_ORGANIZATION_TOKEN: &str = "polar_oat_mock_organization_token";
/// The organization of that token unless told otherwise.
const DEFAULT_ORGANIZATION_ID: Uuid = Uuid::from_u128(0x1dbf_c517_0bbf_4301_9ba8_555c_a42b_9737);

/// A running mock Polar server; dropping it stops the server and closes its connections.
///
/// It knows one organization token (with every scope) for one organization, plus any personal,
/// read-only or customers-only tokens added through [`MockPolar::builder`].
///
/// # Examples
/// ```
/// use polar_client_mock::MockPolar;
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
    /// The runtime the mock was started on, where webhook deliveries run.
    runtime: tokio::runtime::Handle,
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
    /// # use polar_client_mock::MockPolar;
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
            scoped_tokens: Vec::new(),
            features: Features::default(),
            port: 0,
            rate_limit: None,
        }
    }

    /// The server's base URL, `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The organization access token the server accepts (with every scope).
    pub fn organization_token(&self) -> &str {
        &self.organization_token
    }

    /// The organization of [`organization_token`](Self::organization_token).
    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    /// The stored customers, in creation order, as their current bodies (updates applied;
    /// soft-deleted ones included, with `deleted_at` set).
    pub fn customers(&self) -> Vec<serde_json::Value> {
        self.state.customers()
    }

    /// Every event Polar would have sent a webhook for so far (`customer.*`, `member.*`), oldest
    /// first; see [`MockEvent`] for which operations record which events.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::MockPolar;
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
    /// # use polar_client_mock::MockPolar;
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

    /// Queues `fault` for the next `times` requests, whatever their route; faults queued earlier
    /// come first.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{Fault, MockPolar};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// polar.fail_next(1, Fault::ServerError { status: 503 });
    /// # Ok(())
    /// # }
    /// ```
    pub fn fail_next(&self, times: usize, fault: Fault) {
        self.state.queue_faults(times, &fault, None);
    }

    /// Queues `fault` for the next `times` requests with this method whose path (without query)
    /// starts with `path_prefix`; other requests pass untouched. Among the faults that match a
    /// request, the one queued first applies.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{Fault, MockPolar};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// // Lose the answer to the next delete, whatever is looked up meanwhile.
    /// polar.fail_next_matching(http::Method::DELETE, "/v1/customers/", 1, Fault::DropAfterStore);
    /// # Ok(())
    /// # }
    /// ```
    pub fn fail_next_matching(
        &self,
        method: http::Method,
        path_prefix: impl Into<String>,
        times: usize,
        fault: Fault,
    ) {
        self.state
            .queue_faults(times, &fault, Some((method, path_prefix.into())));
    }

    /// How many requests the [rate limit](MockPolarBuilder::rate_limit) answered with `429` so far.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::builder().rate_limit(100, std::time::Duration::from_secs(60)).start().await?;
    /// assert_eq!(polar.rate_limited_count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rate_limited_count(&self) -> u64 {
        self.state.rate_limit.refused()
    }

    /// Drops every fault still queued.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{Fault, MockPolar};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// polar.fail_next(3, Fault::DropBeforeStore);
    /// polar.clear_faults(); // the next requests are answered normally
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Attaches a subscription to a live customer and records `customer.state_changed`.
    /// `subscription` sets Polar's fields over the defaults of [`MockSubscription`] (an `active`
    /// monthly subscription of 10.00 USD with fresh ids). The customer's state lists it among
    /// `active_subscriptions` only when `active` or `trialing`; the list's `active=true` filter
    /// also counts `past_due`, and a customer deletion cancels `trialing`, `active` and
    /// `past_due` ones.
    ///
    /// Returns the stored subscription body, or `None` when no live customer has this id.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{MockPolar, MockSubscription, Uuid};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::start().await?;
    /// // Normally the id of a customer created through polar.base_url().
    /// let customer_id = Uuid::from_u128(0x6f1c_2a3e_5b4d_4c3e_9a8b_7c6d_5e4f_3a2b);
    /// let attached = polar.add_subscription(customer_id, MockSubscription::new().status("past_due"));
    /// assert!(attached.is_none()); // no such customer
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_subscription(
        &self,
        customer_id: Uuid,
        subscription: MockSubscription,
    ) -> Option<serde_json::Value> {
        self.state.attach(
            customer_id,
            Attachment::Subscription,
            subscription.into_fields(),
        )
    }

    /// Grants a benefit to a live customer (it appears in `granted_benefits`) and records
    /// `customer.state_changed`. `grant` sets Polar's fields over the defaults of
    /// [`MockBenefitGrant`] (a `custom` benefit with empty `benefit_metadata` and
    /// `properties`); any `benefit_type` string and any extra field are kept as given, to test
    /// forward compatibility.
    ///
    /// Returns the stored grant body, or `None` when no live customer has this id.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{MockBenefitGrant, MockPolar, Uuid};
    /// # use serde_json::json;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let polar = MockPolar::start().await?;
    /// # let customer_id = Uuid::from_u128(0x6f1c_2a3e_5b4d_4c3e_9a8b_7c6d_5e4f_3a2b);
    /// polar.grant_benefit(
    ///     customer_id,
    ///     MockBenefitGrant::new().benefit_type("brand_new_kind").field("extra", json!([1, 2])),
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn grant_benefit(
        &self,
        customer_id: Uuid,
        grant: MockBenefitGrant,
    ) -> Option<serde_json::Value> {
        self.state
            .attach(customer_id, Attachment::Benefit, grant.into_fields())
    }

    /// Adds a meter to a live customer (it appears in `active_meters`, oldest first) and records
    /// `customer.state_changed`. `fields` overrides and extends the defaults (nothing consumed
    /// or credited).
    ///
    /// Returns the stored meter, or `None` when no live customer has this id.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{MockPolar, Uuid};
    /// # use serde_json::json;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let polar = MockPolar::start().await?;
    /// # let customer_id = Uuid::from_u128(0x6f1c_2a3e_5b4d_4c3e_9a8b_7c6d_5e4f_3a2b);
    /// polar.add_meter(customer_id, json!({"consumed_units": 12.5, "credited_units": 100, "balance": 87.5}));
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_meter(
        &self,
        customer_id: Uuid,
        fields: serde_json::Value,
    ) -> Option<serde_json::Value> {
        self.state.attach(customer_id, Attachment::Meter, fields)
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
/// use polar_client_mock::{MockPolar, Uuid};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let organization = Uuid::parse_str("1dbfc517-0bbf-4301-9ba8-555ca42b9737").unwrap();
/// let polar = MockPolar::builder()
///     .organization_id(organization)
///     .personal_token("polar_pat_me", [organization])
///     .token_without_write_scope("polar_oat_read_only")
///     .token_with_customer_scopes_only("polar_oat_customers")
///     .member_model(true)
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
    scoped_tokens: Vec<(String, Scopes)>,
    features: Features,
    port: u16,
    rate_limit: Option<(u32, std::time::Duration)>,
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

    /// Adds an organization token (for the mock's organization) with only `customers:read`:
    /// customer reads work; creates, updates, deletes, members and sessions get
    /// `403 insufficient_scope`. May be called more than once.
    #[must_use]
    pub fn token_without_write_scope(mut self, token: impl Into<String>) -> Self {
        self.scoped_tokens
            .push((token.into(), Scopes::CustomersRead));
        self
    }

    /// Adds an organization token with only `customers:read` and `customers:write`: every
    /// customer operation works; the member endpoints (which need `members:*`) and customer
    /// sessions (`customer_sessions:write`) get `403 insufficient_scope`. May be called more
    /// than once.
    #[must_use]
    pub fn token_with_customer_scopes_only(mut self, token: impl Into<String>) -> Self {
        self.scoped_tokens
            .push((token.into(), Scopes::CustomersOnly));
        self
    }

    /// Turns on the organization's member model (`member_model_enabled`, off by default): the
    /// member endpoints open, every new customer gets an owner member (its `owner`, else its own
    /// email and name), and customer sessions become member sessions (`polar_mst_…`). Off, member
    /// creation is `403 NotPermitted`.
    #[must_use]
    pub fn member_model(mut self, enabled: bool) -> Self {
        self.features.member_model = enabled;
        self
    }

    /// Turns on seat-based pricing (`seat_based_pricing_enabled`, off by default): the member
    /// endpoints open and new customers get an owner member, but sessions stay customer sessions.
    #[must_use]
    pub fn seat_based_pricing(mut self, enabled: bool) -> Self {
        self.features.seat_based_pricing = enabled;
        self
    }

    /// Limits the organization to `requests` per window of length `per`, as Polar does (500 a
    /// minute in production, 100 in sandbox): every request counts, whatever its token, and past
    /// the limit the answer is `429` with an empty body and `Retry-After` set to the window's
    /// length in whole seconds (the window, not the time left). A window opens with the first
    /// request after the previous one closed. Off by default; see
    /// [`MockPolar::rate_limited_count`].
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let polar = MockPolar::builder().rate_limit(100, std::time::Duration::from_secs(60)).start().await?;
    /// # let _ = polar;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn rate_limit(mut self, requests: u32, per: std::time::Duration) -> Self {
        self.rate_limit = Some((requests, per));
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
        for (token, scopes) in self.scoped_tokens {
            tokens.insert(
                token,
                Identity::Organization {
                    id: self.organization_id,
                    scopes,
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
                scopes: Scopes::All,
            },
        );
        let state = Arc::new(State::new(tokens, self.features));
        if let Some((requests, per)) = self.rate_limit {
            state.rate_limit.set(requests, per);
        }
        let server = tokio::spawn(server::serve(listener, Arc::clone(&state)));
        Ok(MockPolar {
            state,
            address,
            organization_token: self.organization_token,
            organization_id: self.organization_id,
            server,
            runtime: tokio::runtime::Handle::current(),
        })
    }
}

impl fmt::Debug for MockPolarBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockPolarBuilder")
            .field("organization_id", &self.organization_id)
            .field("personal_tokens", &self.personal_tokens.len())
            .field("scoped_tokens", &self.scoped_tokens.len())
            .field("features", &self.features)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}
