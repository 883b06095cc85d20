//! Decoding what Polar sends and encoding what the client writes, without a server: customers,
//! the lifecycle's responses and request bodies, and JSON Schemas (`schemars` feature).
//! One test binary; each former test file is a module.

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod decode;
mod decode_lifecycle;
#[cfg(feature = "schemars")]
mod json_schema;
mod lifecycle_requests;
