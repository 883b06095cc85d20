//! [`Subscriptions`]: the handler for Polar's subscription operations, one file per operation
//! below `subscriptions/`, the model in `subscriptions/model.rs`.
//!
//! Every update is its own typed call sending exactly one of Polar's update intents (Polar
//! refuses a body mixing two with 422 `extra_forbidden`). What a retry may do is decided per
//! intent in `subscriptions/update.rs` ([`update::Intent::replay`]): this is where money moves,
//! so an intent that could act twice is never re-sent after an attempt that may have landed;
//! instead the call is settled by reading the subscription back.

mod cancel;
mod change;
mod get;
mod list;
pub(crate) mod model;
mod update;

pub use list::ListSubscriptions;

use uuid::Uuid;

use crate::core::Core;

/// Subscription operations of one [`Polar`](crate::Polar) client, from
/// [`Polar::subscriptions`](crate::Polar::subscriptions).
#[derive(Debug, Clone)]
pub struct Subscriptions {
    core: Core,
}

impl Subscriptions {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

/// The path of one subscription: its ID in its own, encoded segment.
fn path_of(id: &Uuid) -> String {
    format!(
        "/v1/subscriptions/{}",
        progenitor_client::encode_path(&id.to_string())
    )
}
