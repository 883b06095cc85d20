//! The client and types progenitor generates from `openapi.json` (see build.rs); private to the crate.
#![allow(
    missing_docs,
    dead_code,
    unused_imports,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/polar_generated.rs"));

#[cfg(test)]
mod tests;
