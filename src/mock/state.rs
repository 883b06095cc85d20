//! The mock's shared state: known tokens, stored customers, recorded requests and queued faults.

use super::customer;
use super::events::{EventLog, MockEvent};
use super::fault::Fault;
use super::recorded::RecordedRequest;
use super::reply::error_item;
use super::schema::NewCustomer;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// Who a token belongs to.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    /// An organization access token; `can_write` is false for a token without
    /// `customers:write`.
    Organization { id: Uuid, can_write: bool },
    /// A personal (user) token and the organizations its user belongs to.
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
}

/// A stored customer with its dedup keys.
struct Stored {
    organization_id: Uuid,
    email_key: Option<String>,
    external_id: Option<String>,
    body: Value,
}

/// Everything that changes while the server runs.
#[derive(Default)]
struct Data {
    customers: Vec<Stored>,
    requests: Vec<RecordedRequest>,
    faults: VecDeque<Fault>,
    events: EventLog,
}

/// The state shared by the server task and the [`MockPolar`](super::MockPolar) handle.
pub(crate) struct State {
    tokens: HashMap<String, Identity>,
    data: Mutex<Data>,
}

impl State {
    /// A fresh state that knows these tokens.
    pub(crate) fn new(tokens: HashMap<String, Identity>) -> Self {
        Self {
            tokens,
            data: Mutex::new(Data::default()),
        }
    }

    /// Locks the data; a panic elsewhere while locked leaves consistent data, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The identity behind a token, if the token is known.
    pub(crate) fn identity(&self, token: &str) -> Option<&Identity> {
        self.tokens.get(token)
    }

    /// Appends a received request.
    pub(crate) fn record(&self, request: RecordedRequest) {
        self.lock().requests.push(request);
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Every stored customer, as its 201 body.
    pub(crate) fn customers(&self) -> Vec<Value> {
        self.lock()
            .customers
            .iter()
            .map(|stored| stored.body.clone())
            .collect()
    }

    /// Queues `times` copies of a fault.
    pub(crate) fn queue_faults(&self, times: usize, fault: &Fault) {
        self.lock()
            .faults
            .extend(std::iter::repeat_n(fault.clone(), times));
    }

    /// Takes the next queued fault, if any.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        self.lock().faults.pop_front()
    }

    /// Every event recorded so far, oldest first.
    pub(crate) fn events(&self) -> Vec<MockEvent> {
        self.lock().events.recorded()
    }

    /// A receiver of the events recorded from now on.
    pub(crate) fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<MockEvent> {
        self.lock().events.subscribe()
    }

    /// The customers `identity` may see, in creation order, as their 201 bodies.
    pub(crate) fn customers_seen_by(&self, identity: &Identity) -> Vec<Value> {
        self.lock()
            .customers
            .iter()
            .filter(|stored| identity.sees(stored.organization_id))
            .map(|stored| stored.body.clone())
            .collect()
    }

    /// The customer with this external id that `identity` may see.
    pub(crate) fn find_external(&self, identity: &Identity, external_id: &str) -> Option<Value> {
        self.lock()
            .customers
            .iter()
            .find(|stored| {
                stored.external_id.as_deref() == Some(external_id)
                    && identity.sees(stored.organization_id)
            })
            .map(|stored| stored.body.clone())
    }

    /// Stores a validated customer in an organization: the duplicate check and the insert happen
    /// under one lock, so racing creates with the same email store exactly one.
    ///
    /// # Errors
    /// The business error items: duplicates (email and/or external id), then the tax id rule.
    pub(crate) fn create(
        &self,
        new: &NewCustomer,
        organization_id: Uuid,
    ) -> Result<Value, Vec<Value>> {
        let tax_id = checked_tax_id(new);
        let email_key = new.email.as_deref().map(str::to_lowercase);
        let mut data = self.lock();
        let in_organization = || {
            data.customers
                .iter()
                .filter(|stored| stored.organization_id == organization_id)
        };
        let mut duplicates = Vec::new();
        if let Some(key) = &email_key
            && in_organization().any(|stored| stored.email_key.as_ref() == Some(key))
        {
            duplicates.push(error_item(
                "value_error",
                vec![json!("body"), json!("email")],
                "A customer with this email address already exists.",
                json!(new.email),
            ));
        }
        if let Some(external_id) = &new.external_id
            && in_organization().any(|stored| stored.external_id.as_ref() == Some(external_id))
        {
            duplicates.push(error_item(
                "value_error",
                vec![json!("body"), json!("external_id")],
                "A customer with this external ID already exists.",
                json!(external_id),
            ));
        }
        if !duplicates.is_empty() {
            return Err(duplicates);
        }
        let body = customer::render(new, organization_id, tax_id.map_err(|item| vec![item])?);
        data.customers.push(Stored {
            organization_id,
            email_key,
            external_id: new.external_id.clone(),
            body: body.clone(),
        });
        emit_customer_event(&mut data.events, "customer.created", &body);
        Ok(body)
    }
}

/// The tax id rule: it needs a billing country, and must be valid there.
fn checked_tax_id(new: &NewCustomer) -> Result<Option<(String, &'static str)>, Value> {
    let Some(tax_id) = &new.tax_id else {
        return Ok(None);
    };
    let Some(address) = &new.billing_address else {
        return Err(error_item(
            "missing",
            vec![json!("body"), json!("billing_address")],
            "Country is required to validate tax ID.",
            Value::Null,
        ));
    };
    super::reference::tax_id(tax_id, &address.country)
        .map(Some)
        .ok_or_else(|| {
            error_item(
                "invalid",
                vec![json!("body"), json!("tax_id")],
                "Invalid tax ID.",
                json!(tax_id),
            )
        })
}

/// Records a `customer.*` event for a customer body, followed at once by its
/// `customer.state_changed`, as Polar's worker sends them.
fn emit_customer_event(events: &mut EventLog, event_type: &str, customer: &Value) {
    events.emit(event_type, customer.clone());
    let mut state = customer.clone();
    if let Value::Object(fields) = &mut state {
        for list in ["active_subscriptions", "granted_benefits", "active_meters"] {
            fields.insert(list.to_owned(), json!([]));
        }
    }
    events.emit("customer.state_changed", state);
}
