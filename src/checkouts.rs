//! [`Checkouts`]: the handler for Polar's checkout sessions, one file per operation below
//! `checkouts/` (create, get, list, update), the models in `checkouts/{model,new}.rs`.

mod create;
mod get;
mod list;
pub(crate) mod model;
pub(crate) mod new;
mod update;

pub use list::ListCheckouts;

use uuid::Uuid;

use crate::core::Core;

/// Checkout operations of one [`Polar`](crate::Polar) client, from
/// [`Polar::checkouts`](crate::Polar::checkouts).
#[derive(Debug, Clone)]
pub struct Checkouts {
    core: Core,
}

impl Checkouts {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

/// The path of one checkout: its ID in its own, encoded segment.
fn path_of(id: &Uuid) -> String {
    format!(
        "/v1/checkouts/{}",
        progenitor_client::encode_path(&id.to_string())
    )
}
