// Crate root: module wiring and the public re-exports; the crate documentation is README.md.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod client;
mod core;
mod country;
mod customer;
mod customers;
mod error;
mod excerpt;
mod generated;
mod id;
mod ids;
#[cfg(feature = "schemars")]
mod json_schema;
mod loose;
mod members;
mod metadata;
mod new_customer;
mod open_enum;
mod path;
mod sessions;
mod tax_id;
mod timestamp;
mod validate;

#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "webhooks")]
pub mod webhooks;

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

pub use address::Address;
pub use client::{
    ACCESS_TOKEN_ENV, BudgetStats, DEFAULT_API_VERSION, DEFAULT_MAX_PAUSE,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Polar, PolarBuilder, Priority, RequestBudget,
    RetryPolicy, Server,
};
pub use country::{Country, ParseCountryError};
pub use customer::{Customer, CustomerKind};
pub use customers::{CreateOrGet, CustomerSort, Customers, ListCustomers};
pub use error::{
    AuthFailure, Difference, Error, FieldError, ForbiddenReason, RawBody, ValidationKind,
};
pub use id::{
    BenefitId, CheckoutId, CustomerId, EventId, MemberId, MeterId, OrderId, ProductId,
    SubscriptionId,
};
pub use metadata::MetadataValue;
pub use new_customer::{NewCustomer, Owner};
pub use tax_id::{TaxId, TaxIdFormat};
pub use validate::InputProblem;

// The customer lifecycle's models: updates, state, members, portal sessions.
pub use customers::state::{
    ActiveMeter, ActiveSubscription, BenefitType, CustomerState, GrantedBenefit, RecurringInterval,
    SubscriptionMeter, SubscriptionStatus,
};
pub use customers::update::CustomerUpdate;
pub use members::{Member, MemberRole, MemberUpdate, Members, NewMember, NewMemberRole};
pub use sessions::{CustomerSession, CustomerSessions, NewCustomerSession};
