//! Changing an open checkout (`checkouts:update`).

use std::future::Future;

use reqwest::Method;

use super::model::Checkout;
use super::new::CheckoutUpdate;
use super::{Checkouts, path_of};
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::CheckoutId;
use crate::ids::checked_uuid;

impl Checkouts {
    /// Changes an open checkout. Last write wins, and the same change again changes nothing, so
    /// failures that may pass are re-sent.
    ///
    /// An open checkout past its expiry may be answered with status `expired` (Polar flips it
    /// while saving).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::CheckoutUpdate;
    ///
    /// let checkout = polar
    ///     .checkouts()
    ///     .update("0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b", CheckoutUpdate::new().metadata("step", "2"))
    ///     .await?;
    /// # let _ = checkout;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent); [`Error::Forbidden`] with
    /// [`Error::polar_error_code`] `NotOpenCheckout` once it is confirmed, succeeded or expired;
    /// [`Error::RequestRejected`] with status 409 (`CheckoutLocked`) while Polar processes it
    /// (try again shortly); [`Error::Validation`] for a product not offered by the checkout;
    /// otherwise every failure of [`Error`].
    pub fn update<I: Into<CheckoutId>>(
        &self,
        id: I,
        change: CheckoutUpdate,
    ) -> impl Future<Output = Result<Checkout, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CheckoutId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            change
                .problems()
                .map_err(|problems| Error::InvalidInput { problems })?;
            let api = this.core.api();
            let path = path_of(&id);
            let request = Request {
                operation_id: "checkouts_update",
                method: Method::PATCH,
                path: &path,
                query: &[],
                body: Some(&change),
                success: 200,
            };
            this.core
                .run(Operation::replayable("checkouts:update", 200), || {
                    send(api, &request)
                })
                .await
                .result
                .map_err(|e| e.looking_for(|| format!("checkout {id}")))
        }
    }
}
