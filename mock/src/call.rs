//! What a resource handler gets and gives: the authenticated [`Call`] the router hands it, and
//! the customer answer several handlers send. Part of the mock's core: the handlers depend on it,
//! it depends on none of them.

use super::reply::Reply;
use super::state::{Identity, State};
use hyper::Method;
use serde_json::Value;

/// An authenticated request on its way to an endpoint.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a State,
    pub(crate) identity: &'a Identity,
    pub(crate) method: &'a Method,
    pub(crate) query: Option<&'a str>,
    /// The parsed JSON body (`Value::Null` for GET and DELETE).
    pub(crate) body: &'a Value,
    /// The server's own origin, `http://host:port`, as the client addressed it.
    pub(crate) origin: String,
}

/// A customer answer (201 on create, 200 on lookup and update), not to be cached.
pub(crate) fn customer_reply(status: u16, customer: &Value) -> Reply {
    Reply::json(status, customer).with_header("cache-control", "private, no-store")
}
