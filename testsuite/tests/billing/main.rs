//! Billing against the mock over loopback: checkouts, subscriptions, orders, their faults, webhooks and forward-compatible decoding.
//! One test binary; each file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;
#[path = "../support/mod.rs"]
mod support;

mod billing_checkouts;
mod billing_decode_props;
mod billing_faults;
mod billing_orders;
mod billing_subscriptions;
mod billing_webhooks;
