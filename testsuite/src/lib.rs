//! `polar-client-tests`: the workspace package that holds polar-client's integration tests
//! (`tests/`), its criterion bench (`benches/`) and the examples that need heavy dependencies
//! (`examples/webhook_receiver.rs` with axum, `examples/load.rs` with the bench's support code).
//! The library itself is empty; its documentation carries `docs/WEBHOOKS.md`, whose examples use
//! axum, so that they run as doctests here rather than in polar-client (whose dev-dependencies stay
//! small).
#![doc = include_str!("../../docs/WEBHOOKS.md")]
