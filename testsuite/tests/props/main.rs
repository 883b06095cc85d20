//! Property tests of decoding: customers, the lifecycle's responses and webhook payloads.
//! One test binary; each former test file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod decode_lifecycle_props;
mod decode_props;
mod webhooks_props;
