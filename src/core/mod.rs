//! The machinery every resource shares, and nothing resource-specific: the client's state
//! ([`state`]), the request budget its calls share ([`budget`]), the handle resources hold
//! ([`handle`]), the request hooks ([`hooks`]), the retry loop ([`run`]), its pure decision
//! ([`retry`]), the classification of answers ([`classify`]) and paging, the same for every list
//! ([`paging`]). With the `redis` feature, the budget can be shared by a fleet (`fleet`).
//!
//! Layers go one way: resources (`customers/`, `members/`, `sessions/`, …) import from here, and
//! the `Polar` facade imports the resources; nothing here imports a resource.

pub(crate) mod budget;
pub(crate) mod classify;
#[cfg(feature = "redis")]
pub(crate) mod fleet;
pub(crate) mod handle;
pub(crate) mod hooks;
pub(crate) mod paging;
pub(crate) mod request;
pub(crate) mod retry;
pub(crate) mod run;
pub(crate) mod state;

pub(crate) use handle::Core;
