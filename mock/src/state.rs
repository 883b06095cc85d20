//! The mock's shared state: known tokens and scopes, the organization's features, stored
//! customers (with their members, subscriptions, benefit grants and meters), recorded requests,
//! queued faults and the event log.

use super::customer;
use super::events::{EventLog, MockEvent};
use super::fault::Fault;
use super::recorded::RecordedRequest;
use super::reply::error_item;
use super::schema::NewCustomer;
use super::stored::{Stored, new_member};
use hyper::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The scopes an organization token holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scopes {
    /// Every scope (the default organization token).
    All,
    /// `customers:read` and `customers:write` only.
    CustomersOnly,
    /// `customers:read` only.
    CustomersRead,
}

impl Scopes {
    /// Whether these scopes include `scope`.
    fn grant(self, scope: &str) -> bool {
        match self {
            Self::All => true,
            Self::CustomersOnly => scope.starts_with("customers:"),
            Self::CustomersRead => scope == "customers:read",
        }
    }
}

/// Who a token belongs to.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    /// An organization access token and its scopes.
    Organization { id: Uuid, scopes: Scopes },
    /// A personal (user) token (every scope) and the organizations its user belongs to.
    Personal { organizations: Vec<Uuid> },
}

impl Identity {
    /// Whether this identity may see customers of `organization_id`.
    pub(crate) fn sees(&self, organization_id: Uuid) -> bool {
        match self {
            Self::Organization { id, .. } => *id == organization_id,
            Self::Personal { organizations } => organizations.contains(&organization_id),
        }
    }

    /// Whether the token holds any one of `scopes` (Polar's rule).
    pub(crate) fn has_any(&self, scopes: &[&str]) -> bool {
        match self {
            Self::Organization { scopes: held, .. } => scopes.iter().any(|scope| held.grant(scope)),
            Self::Personal { .. } => true,
        }
    }
}

/// What a bearer token is to the server.
pub(crate) enum Bearer {
    /// A known access token.
    Known(Identity),
    /// A customer or member session token: anonymous on these endpoints.
    Session,
    /// A token the server does not know.
    Unknown,
}

/// The organization's feature flags that change the member and session endpoints.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Features {
    /// `member_model_enabled`: members, and member sessions instead of customer sessions.
    pub(crate) member_model: bool,
    /// `seat_based_pricing_enabled`: members (sessions stay customer sessions).
    pub(crate) seat_based_pricing: bool,
}

impl Features {
    /// Whether the member endpoints are open (either flag).
    pub(crate) fn members(self) -> bool {
        self.member_model || self.seat_based_pricing
    }
}

/// How a request names a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CustomerKey {
    /// By Polar id.
    Id(Uuid),
    /// By the caller's external id.
    External(String),
}

/// Why a customer lookup found no single customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// None visible to the token.
    NotFound,
    /// Several, in different organizations of a personal token (external ids only).
    Ambiguous,
}

/// A queued fault and the requests it may hit.
struct QueuedFault {
    /// `None`: any request; else the method and a path prefix.
    target: Option<(Method, String)>,
    fault: Fault,
}

/// Everything that changes while the server runs.
#[derive(Default)]
pub(crate) struct Data {
    pub(crate) customers: Vec<Stored>,
    requests: Vec<RecordedRequest>,
    faults: VecDeque<QueuedFault>,
    pub(crate) events: EventLog,
    /// Customer and member session tokens issued so far.
    pub(crate) session_tokens: HashSet<String>,
    /// Usage events, meters and the usage clock.
    pub(crate) usage: super::usage::Usage,
    /// Products, checkouts and orders (subscriptions live with their customer).
    pub(crate) billing: super::billing::store::Billing,
}

impl Data {
    /// The live (not deleted) customers `identity` may see, with their indices.
    pub(crate) fn visible<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> impl Iterator<Item = (usize, &'a Stored)> + 'a {
        self.customers
            .iter()
            .enumerate()
            .filter(|(_, stored)| !stored.deleted && identity.sees(stored.organization_id))
    }

    /// The index of the one live customer `key` names among those `identity` may see.
    ///
    /// # Errors
    /// [`Miss::NotFound`], or [`Miss::Ambiguous`] when a personal token sees several customers
    /// with this external id.
    pub(crate) fn find(&self, identity: &Identity, key: &CustomerKey) -> Result<usize, Miss> {
        let mut found = self.visible(identity).filter(|(_, stored)| match key {
            CustomerKey::Id(id) => stored.id == *id,
            CustomerKey::External(external_id) => {
                stored.external_id() == Some(external_id.as_str())
            }
        });
        match (found.next(), found.next()) {
            (Some((index, _)), None) => Ok(index),
            (Some(_), Some(_)) => Err(Miss::Ambiguous),
            (None, _) => Err(Miss::NotFound),
        }
    }

    /// Whether another live customer of the organization (not `except`) has this email
    /// (case-insensitively) or external id.
    pub(crate) fn taken(
        &self,
        organization_id: Uuid,
        except: Option<usize>,
        email: Option<&str>,
        external_id: Option<&str>,
    ) -> (bool, bool) {
        let email = email.map(str::to_lowercase);
        let others = || {
            self.customers.iter().enumerate().filter(|(index, stored)| {
                !stored.deleted
                    && stored.organization_id == organization_id
                    && Some(*index) != except
            })
        };
        let email_taken = email.is_some_and(|email| {
            others().any(|(_, stored)| stored.email_key().as_deref() == Some(email.as_str()))
        });
        let external_taken = external_id.is_some_and(|external_id| {
            others().any(|(_, stored)| stored.external_id() == Some(external_id))
        });
        (email_taken, external_taken)
    }

    /// Records a `customer.*` event for the customer at `index`, followed at once by its
    /// `customer.state_changed`, as Polar's worker sends them.
    pub(crate) fn emit_customer(&mut self, index: usize, event_type: &str) {
        self.events
            .emit(event_type, self.customers[index].body.clone());
        self.emit_state_changed(index);
    }

    /// Records a `customer.state_changed` for the customer at `index`.
    pub(crate) fn emit_state_changed(&mut self, index: usize) {
        let state = self.customers[index].state_body();
        self.events.emit("customer.state_changed", state);
    }
}

/// The state shared by the server task and the [`MockPolar`](super::MockPolar) handle.
pub(crate) struct State {
    tokens: HashMap<String, Identity>,
    pub(crate) features: Features,
    data: Mutex<Data>,
    /// The organization's rate limit (off unless the builder set one).
    pub(crate) rate_limit: super::rate_limit::RateLimit,
}

impl State {
    /// A fresh state that knows these tokens, for an organization with these features.
    pub(crate) fn new(tokens: HashMap<String, Identity>, features: Features) -> Self {
        Self {
            tokens,
            features,
            data: Mutex::new(Data::default()),
            rate_limit: super::rate_limit::RateLimit::default(),
        }
    }

    /// Locks the data; a panic elsewhere while locked leaves consistent data, so poisoning is
    /// ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What a bearer token is.
    pub(crate) fn bearer(&self, token: &str) -> Bearer {
        if let Some(identity) = self.tokens.get(token) {
            return Bearer::Known(identity.clone());
        }
        if self.lock().session_tokens.contains(token) {
            Bearer::Session
        } else {
            Bearer::Unknown
        }
    }

    /// Appends a received request.
    pub(crate) fn record(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Every stored customer (soft-deleted ones included), as its current body.
    pub(crate) fn customers(&self) -> Vec<Value> {
        self.lock()
            .customers
            .iter()
            .map(|stored| stored.body.clone())
            .collect()
    }

    /// Queues `times` copies of a fault, for any request or only those of `method` whose path
    /// starts with a prefix.
    pub(crate) fn queue_faults(
        &self,
        times: usize,
        fault: &Fault,
        target: Option<(Method, String)>,
    ) {
        self.lock()
            .faults
            .extend(std::iter::repeat_n((), times).map(|()| QueuedFault {
                target: target.clone(),
                fault: fault.clone(),
            }));
    }

    /// Drops every queued fault.
    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Takes the earliest queued fault that applies to this request, if any.
    pub(crate) fn next_fault(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut data = self.lock();
        let position = data.faults.iter().position(|queued| {
            queued.target.as_ref().is_none_or(|(wanted, prefix)| {
                wanted == method && path.starts_with(prefix.as_str())
            })
        })?;
        data.faults.remove(position).map(|queued| queued.fault)
    }

    /// Every event recorded so far, oldest first.
    pub(crate) fn events(&self) -> Vec<MockEvent> {
        self.lock().events.recorded()
    }

    /// The event log itself, to read by index without holding the data lock.
    pub(crate) fn event_log(&self) -> super::events::EventLog {
        self.lock().events.clone()
    }

    /// A receiver of the events recorded from now on.
    pub(crate) fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<MockEvent> {
        self.lock().events.subscribe()
    }

    /// Stores a validated customer in an organization: the duplicate check and the insert happen
    /// under one lock, so racing creates with the same email store exactly one. With members
    /// enabled, the owner member is created too (`member.created`, then `customer.created`).
    ///
    /// # Errors
    /// The business error items: duplicates (email and/or external id), then the tax id rule.
    pub(crate) fn create(
        &self,
        new: &NewCustomer,
        organization_id: Uuid,
    ) -> Result<Value, Vec<Value>> {
        let tax_id = checked_tax_id(new);
        let mut data = self.lock();
        let (email_taken, external_taken) = data.taken(
            organization_id,
            None,
            new.email.as_deref(),
            new.external_id.as_deref(),
        );
        let mut duplicates = Vec::new();
        if email_taken {
            duplicates.push(duplicate_email(json!(new.email)));
        }
        if external_taken {
            duplicates.push(duplicate_external_id(json!(new.external_id)));
        }
        if !duplicates.is_empty() {
            return Err(duplicates);
        }
        let id = super::stamp::new_id();
        let body = customer::render(new, id, organization_id, tax_id.map_err(|item| vec![item])?);
        let mut stored = Stored {
            id,
            organization_id,
            deleted: false,
            body: body.clone(),
            members: Vec::new(),
            subscriptions: Vec::new(),
            benefits: Vec::new(),
            meters: Vec::new(),
        };
        if self.features.members() {
            let owner = new.owner.as_ref();
            let email = owner.map(|owner| owner.email.clone()).or(new.email.clone());
            let name = owner
                .and_then(|owner| owner.name.clone())
                .or(new.name.clone());
            let external_id = owner.and_then(|owner| owner.external_id.clone());
            let member = new_member(id, email, name, external_id, "owner");
            data.events.emit("member.created", member.clone());
            stored.members.push(member);
        }
        data.customers.push(stored);
        let index = data.customers.len() - 1;
        data.emit_customer(index, "customer.created");
        Ok(body)
    }
}

/// The business error of a create or update whose email another customer has.
pub(crate) fn duplicate_email(input: Value) -> Value {
    error_item(
        "value_error",
        vec![json!("body"), json!("email")],
        "A customer with this email address already exists.",
        input,
    )
}

/// The business error of a create or update whose external id another customer has.
pub(crate) fn duplicate_external_id(input: Value) -> Value {
    error_item(
        "value_error",
        vec![json!("body"), json!("external_id")],
        "A customer with this external ID already exists.",
        input,
    )
}

/// The tax id rule: it needs a billing country, and must be valid there.
fn checked_tax_id(new: &NewCustomer) -> Result<Option<(String, &'static str)>, Value> {
    let Some(tax_id) = &new.tax_id else {
        return Ok(None);
    };
    super::reference::checked_tax_id(
        tax_id,
        new.billing_address
            .as_ref()
            .map(|address| address.country.as_str()),
    )
    .map(Some)
}
