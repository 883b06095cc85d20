//! [`Orders`]: the handler for Polar's orders, one file per operation below `orders/` (get,
//! list, billing details, invoice and receipt), the model in `orders/model.rs`.

mod documents;
mod get;
mod list;
pub(crate) mod model;
mod update;

pub use list::ListOrders;
pub use update::BillingDetails;

use uuid::Uuid;

use crate::core::Core;

/// Order operations of one [`Polar`](crate::Polar) client, from
/// [`Polar::orders`](crate::Polar::orders).
#[derive(Debug, Clone)]
pub struct Orders {
    core: Core,
}

impl Orders {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

/// The path of one order (and `tail`, e.g. `/invoice`): its ID in its own, encoded segment.
fn path_of(id: &Uuid, tail: &str) -> String {
    format!(
        "/v1/orders/{}{tail}",
        progenitor_client::encode_path(&id.to_string())
    )
}
