//! Fetching a checkout by ID (`checkouts:get`).

use std::future::Future;

use super::model::Checkout;
use super::{Checkouts, path_of};
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::CheckoutId;
use crate::ids::checked_uuid;

impl Checkouts {
    /// Fetches the checkout with this ID, e.g. to see whether it succeeded.
    ///
    /// A read, retried by the client's [`RetryPolicy`](crate::RetryPolicy). Its status may say
    /// `open` for up to 15 minutes past its expiry: use [`Checkout::is_expired_now`].
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let checkout = polar.checkouts().get("0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b").await?;
    /// if checkout.is_expired_now() {
    ///     println!("create a new one");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::NotFound`];
    /// otherwise every failure of [`Error`].
    pub fn get<I: Into<CheckoutId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Checkout, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CheckoutId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let api = this.core.api();
            let path = path_of(&id);
            let request = Request::get("checkouts_get", &path, &[]);
            this.core
                .run(Operation::read("checkouts:get"), || send(api, &request))
                .await
                .result
                .map_err(|e| e.looking_for(|| format!("checkout {id}")))
        }
    }
}
