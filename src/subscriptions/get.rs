//! Fetching a subscription by ID (`subscriptions:get`).

use std::future::Future;

use super::model::Subscription;
use super::{Subscriptions, path_of};
use crate::core::request::{Request, send};
use crate::core::run::{Finished, Operation, run_within};
use crate::error::Error;
use crate::id::SubscriptionId;
use crate::ids::checked_uuid;

impl Subscriptions {
    /// Fetches the subscription with this ID.
    ///
    /// A read, so retried by the client's [`RetryPolicy`](crate::RetryPolicy). Polar answers reads
    /// from a replica, so a change made a moment ago may not show yet; subscriptions Polar has not
    /// started (no `started_at`) are not found.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::Error;
    ///
    /// let err = polar.subscriptions().get("not-an-id").await.unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { .. }));
    /// let err = polar.subscriptions().get("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11").await.unwrap_err();
    /// assert!(matches!(err, Error::NotFound { .. }));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::NotFound`] naming
    /// it when Polar has no such subscription for the token; otherwise every failure of
    /// [`Error`].
    pub fn get<I: Into<SubscriptionId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: SubscriptionId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            this.read(&id, None).await.result
        }
    }

    /// Reads a subscription through the retry loop, as a call of its own (`within: None`) or as
    /// part of the call that started then (settling an update).
    pub(crate) async fn read(
        &self,
        id: &uuid::Uuid,
        within: Option<tokio::time::Instant>,
    ) -> Finished<Subscription> {
        let api = self.core.api();
        let path = path_of(id);
        let request = Request::get("subscriptions_get", &path, &[]);
        let mut finished = run_within(
            self.core.state(),
            Operation::read("subscriptions:get"),
            within,
            || send(api, &request),
        )
        .await;
        finished.result = finished
            .result
            .map_err(|e| e.looking_for(|| format!("subscription {id}")));
        finished
    }
}
