//! Fetching a customer by Polar's ID (`customers:get`).

use std::future::Future;

use super::{Customers, checked_id};
use crate::core::run::Operation;
use crate::customers::customer::Customer;
use crate::error::Error;
use crate::id::CustomerId;
use crate::ids::CustomerRef;

impl Customers {
    /// Fetches the customer with this Polar ID (a version-4 UUID such as
    /// `992fae2a-2a17-4b7a-8d9e-e287cf90131b`, from [`Customer::id`]).
    ///
    /// A read is safe to repeat, so failures that may pass (timeouts, lost connections, 5xx, 429)
    /// are retried by the client's [`RetryPolicy`](crate::RetryPolicy). Deleted customers are not
    /// found. Polar answers reads from a replica, so a customer changed a moment ago may still show
    /// its previous state.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{Error, NewCustomer};
    ///
    /// let created = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
    /// let fetched = polar.customers().get(created.id()).await?;
    /// assert_eq!(fetched.email(), Some("jane@example.org"));
    ///
    /// // Not a customer ID: refused before anything is sent.
    /// let err = polar.customers().get("usr_7").await.unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { .. }));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a version-4 UUID;
    /// [`Error::NotFound`] naming the ID when no live customer has it (or it belongs to an
    /// organization the token cannot read); otherwise as [`Customers::create`].
    pub fn get<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Customer, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let this = &this;
            let id = id.as_str();
            let id = checked_id(id, |_| {})?;
            let api = this.core.api();
            this.core
                .run(Operation::read("customers:get"), || api.customers_get(&id))
                .await
                .result
                .map_err(|e| e.looking_for(|| CustomerRef::Id(id).to_string()))
        }
    }
}
