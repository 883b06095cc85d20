//! Webhooks: verification against independent vectors, typed events (benefit grants included),
//! property tests, the `webhook_receiver` example and the mock's signed deliveries. One test
//! binary; each former test file is a module.

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../../examples/webhook_receiver.rs"]
mod receiver;

mod webhooks_benefit_grant;
mod webhooks_events;
mod webhooks_mock;
mod webhooks_receiver;
mod webhooks_serialize;
mod webhooks_verify;
