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
use crate::error::Error;
use crate::validate::{Checker, InputProblem};

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

/// Checks an ID the caller gave for `field` (a UUID) and returns it parsed: a parsed UUID is
/// always one clean path segment.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `id` is not a UUID.
pub(crate) fn checked_uuid(field: &str, id: &str) -> Result<Uuid, Error> {
    let mut check = Checker::default();
    check.uuid(field, id);
    check
        .finish()
        .map_err(|problems| Error::InvalidInput { problems })?;
    Uuid::parse_str(id).map_err(|_| Error::InvalidInput {
        problems: vec![InputProblem::new(field, "is not a UUID")],
    })
}

/// The path of one subscription: its ID in its own, encoded segment.
fn path_of(id: &Uuid) -> String {
    format!(
        "/v1/subscriptions/{}",
        progenitor_client::encode_path(&id.to_string())
    )
}
