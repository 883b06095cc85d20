//! Usage billing against the mock over loopback: ingest, the ingestor under faults, reading events back, meters and customer meters.
//! One test binary; each file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;
#[path = "../support/mod.rs"]
mod support;

mod usage_events_list;
mod usage_ingest;
mod usage_ingestor;
mod usage_meters;
