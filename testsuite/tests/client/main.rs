//! The client against servers on loopback (the crate's mock, wiremock, raw TCP servers): what it
//! sends, what it refuses, how it retries and settles lost creates, and what each answer becomes.
//! One test binary; each former test file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;
#[path = "../support/mod.rs"]
mod support;

mod builder_checks;
mod call_deadline;
mod client_requests;
mod client_retries;
mod customers_export;
mod customers_lifecycle;
mod exactly_once;
#[cfg(feature = "redis")]
mod fleet_budget;
mod hostile_responses;
mod import_customers;
mod list_walk;
mod members_sessions;
mod never_report_more;
mod owned_handles;
mod pacing;
mod path_segments;
mod redirects;
mod response_cap;
mod response_cap_lengths;
mod server_responses;
mod validation;
