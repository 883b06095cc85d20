// Crate root: module wiring and the public re-exports; the crate documentation is README.md.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod checkouts;
mod client;
mod core;
mod country;
mod customers;
mod deleted;
mod error;
mod events;
mod excerpt;
mod generated;
mod id;
mod ids;
#[cfg(feature = "schemars")]
mod json_schema;
mod loose;
mod members;
mod metadata;
mod meters;
mod models;
mod open_enum;
mod orders;
mod path;
#[cfg(test)]
mod random_cases;
mod sessions;
mod subscriptions;
mod tax_id;
mod timestamp;
mod validate;

#[cfg(feature = "webhooks")]
pub mod webhooks;

/// The pages under `docs/`, compiled only by `cargo test --doc` so that their Rust examples run as
/// doctests, as the README's do. `docs/WEBHOOKS.md` is doctested by `testsuite/src/lib.rs`: its
/// examples use axum, which is no dependency of this crate.
#[cfg(doctest)]
mod docs {
    #[doc = include_str!("../docs/BILLING.md")]
    pub struct Billing;
    #[doc = include_str!("../docs/USAGE.md")]
    pub struct Usage;
    #[doc = include_str!("../docs/CONFIGURATION.md")]
    pub struct Configuration;
    #[doc = include_str!("../docs/CUSTOMERS.md")]
    pub struct Customers;
    #[doc = include_str!("../docs/GUARANTEES.md")]
    pub struct Guarantees;
    #[doc = include_str!("../docs/MAINTAINING.md")]
    pub struct Maintaining;
    #[doc = include_str!("../docs/PERFORMANCE.md")]
    pub struct Performance;
    #[doc = include_str!("../docs/SECURITY.md")]
    pub struct Security;
    #[doc = include_str!("../docs/TESTING.md")]
    pub struct Testing;
}

/// The models generated from Polar's OpenAPI spec (`openapi.json`) that the operations use and
/// that have no hand-written counterpart (the customer list's page and pagination, its sort
/// property).
///
/// The types above ([`NewCustomer`], [`Customer`], …) are the supported way in and out: request
/// bodies and responses are the crate's own types, so only what they do not cover is generated.
/// Names follow the spec's schema names and may change when the vendored spec is refreshed.
pub mod types {
    pub use crate::generated::types::*;
}

pub use crate::core::paging::{Page, PagingProblem, Walk};
pub use address::{Address, NewAddress};
/// The date-time types of the public API (`Customer::created_at`, …), re-exported so that a
/// caller needs no `chrono` dependency of its own to name them.
pub use chrono::{DateTime, Utc};
pub use client::{
    ACCESS_TOKEN_ENV, BudgetStats, DEFAULT_API_VERSION, DEFAULT_MAX_PAUSE,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ParseServerError, Polar, PolarBuilder, Priority,
    RequestBudget, RetryPolicy, SERVER_ENV, Server,
};
#[cfg(feature = "redis")]
pub use client::{DEFAULT_LOCAL_SHARE, DEFAULT_REDIS_RETRY, DEFAULT_REDIS_TIMEOUT, RedisBudget};
pub use country::{Country, ParseCountryError};
pub use customers::customer::{Customer, CustomerKind};
pub use customers::new_customer::{NewCustomer, Owner};
pub use customers::{CreateOrGet, CustomerSort, Customers, ListCustomers};
pub use deleted::Deleted;
pub use error::{
    AuthFailure, Difference, Error, FieldError, ForbiddenReason, RawBody, ValidationKind,
};
pub use events::{
    EventProblem, EventSort, EventSource, Events, FailedEvent, IngestReport, IngestStats, Ingested,
    Ingestor, IngestorBuilder, ListEvents, MAX_BODY_BYTES, NewEvent, RejectedEvent, SendError,
    StoredEvent,
};
pub use id::{
    BenefitId, CheckoutId, CustomerId, EventId, MemberId, MeterId, OrderId, ProductId,
    SubscriptionId,
};
pub use metadata::MetadataValue;
pub use meters::{
    AggregationFunction, CustomerMeter, CustomerMeters, ListCustomerMeters, ListMeters, Meter,
    MeterAggregation, MeterInterval, MeterQuantities, MeterQuantity, MeterUnit, Meters,
    UsageCustomer,
};
pub use tax_id::{TaxId, TaxIdFormat};
/// The UUID type accepted by the typed IDs' `From<Uuid>` conversions.
pub use uuid::Uuid;
pub use validate::InputProblem;

// The customer lifecycle's models: updates, state, members, portal sessions.
pub use customers::customer_update::CustomerUpdate;
pub use customers::state::{
    ActiveMeter, ActiveSubscription, CustomerState, GrantedBenefit, SubscriptionMeter,
};
pub use members::{Member, MemberRole, MemberUpdate, Members, NewMember, NewMemberRole};
pub use sessions::{CustomerSession, CustomerSessions, NewCustomerSession};

// Codes several resources share (subscriptions, customer state, benefit grants).
pub use models::{BenefitType, RecurringInterval, SubscriptionStatus};

// Billing: checkouts and subscriptions.
pub use checkouts::model::{Checkout, CheckoutStatus, ClientSecret};
pub use checkouts::new::{CheckoutUpdate, NewCheckout, TrialInterval};
pub use checkouts::{Checkouts, ListCheckouts};
pub use subscriptions::model::{
    CancellationReason, PastDuePolicy, PendingUpdate, Proration, Subscription, TrialEnd,
};
pub use subscriptions::{ListSubscriptions, Subscriptions};

// Billing: orders.
pub use orders::model::{BillingReason, DocumentUrl, Order, OrderStatus};
pub use orders::{BillingDetails, ListOrders, Orders};
