//! A customer's state — subscriptions, benefits, meters — by Polar's ID or by external ID
//! (`customers:get_state`, `customers:get_state_external`).

use std::future::Future;

use super::{Customers, by_external_id, by_id};
use crate::core::run::Operation;
use crate::customers::state::CustomerState;
use crate::error::Error;
use crate::id::CustomerId;
use crate::ids::CustomerRef;

impl Customers {
    /// What the customer with this Polar ID is entitled to right now: its active subscriptions,
    /// granted benefits and meters — the "may this user use X?" check.
    ///
    /// Polar caches the state for up to an hour and refreshes it when a change is processed, so
    /// right after an update it may still show the previous name or email. A read: retried like
    /// [`Customers::get`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewCustomer;
    ///
    /// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
    /// let state = polar.customers().state(customer.id()).await?;
    /// assert!(state.active_subscriptions().is_empty());
    /// assert!(!state.has_benefit("397a17aa-15cf-4cb4-9333-18040203cf98"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a version-4 UUID;
    /// [`Error::NotFound`] naming the ID when no live customer has it; otherwise as
    /// [`Customers::create`].
    pub fn state<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<CustomerState, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let this = &this;
            let id = id.as_str();
            this.state_of(by_id(id)?).await
        }
    }

    /// What the customer with this external ID (your system's ID for it) is entitled to right
    /// now; see [`Customers::state`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewCustomer;
    ///
    /// polar.customers().create(NewCustomer::individual("jane@example.org").external_id("usr_7")).await?;
    /// let state = polar.customers().state_by_external_id("usr_7").await?;
    /// assert_eq!(state.customer().external_id(), Some("usr_7"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for an external ID that cannot be one path segment
    /// (empty, `.`/`..`, containing `/`, `\` or a control character); [`Error::NotFound`] naming
    /// it when no live customer has it; otherwise as [`Customers::create`].
    pub fn state_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<CustomerState, Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let this = &this;
            let external_id = external_id.as_str();
            this.state_of(by_external_id(external_id)?).await
        }
    }

    /// Runs the state read for a checked target.
    async fn state_of(&self, target: CustomerRef<'_>) -> Result<CustomerState, Error> {
        let api = self.core.api();
        let finished = match target {
            CustomerRef::Id(id) => {
                self.core
                    .run(Operation::read("customers:get_state"), || {
                        api.customers_get_state(&id)
                    })
                    .await
            }
            CustomerRef::External(external_id) => {
                self.core
                    .run(Operation::read("customers:get_state_external"), || {
                        api.customers_get_state_external(external_id)
                    })
                    .await
            }
        };
        finished
            .result
            .map_err(|e| e.looking_for(|| target.to_string()))
    }
}
