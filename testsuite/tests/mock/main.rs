//! Behaviour tests of the mock Polar (`polar_client_mock`) over real HTTP on 127.0.0.1 with
//! plain reqwest. One test binary; each former test file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod lifecycle_models_mock;
mod mock_attachments;
mod mock_lifecycle;
mod mock_server;
mod mock_webhook_delivery;
