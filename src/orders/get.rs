//! Fetching an order by ID (`orders:get`).

use std::future::Future;

use super::model::Order;
use super::{Orders, path_of};
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::OrderId;
use crate::ids::checked_uuid;

impl Orders {
    /// Fetches the order with this ID. A read, retried by the client's
    /// [`RetryPolicy`](crate::RetryPolicy).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let order = polar.orders().get("7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f").await?;
    /// println!("{:?} {:?}", order.status(), order.total_amount());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::NotFound`];
    /// otherwise every failure of [`Error`].
    pub fn get<I: Into<OrderId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Order, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: OrderId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let api = this.core.api();
            let path = path_of(&id, "");
            let request = Request::get("orders_get", &path, &[]);
            this.core
                .run(Operation::read("orders:get"), || send(api, &request))
                .await
                .result
                .map_err(|e| e.looking_for(|| format!("order {id}")))
        }
    }
}
