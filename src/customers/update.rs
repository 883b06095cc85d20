//! Updating a customer by Polar's ID or by external ID (`customers:update`; an update by
//! external ID looks the customer up first and then updates it by Polar's ID, so a retry reaches
//! only the customer the lookup found): every problem of the input reported at once before
//! sending; a PATCH sets fields to given values, so replaying it is harmless.

use std::future::Future;

use tokio::time::Instant;

use super::{Customers, checked_id};
use crate::core::run::{Operation, run_within};
use crate::customers::customer::Customer;
use crate::customers::customer_update::CustomerUpdate;
use crate::error::Error;
use crate::id::CustomerId;
use crate::ids::CustomerRef;

impl Customers {
    /// Applies `update` to the customer with this Polar ID and returns the customer as it is now.
    ///
    /// The ID and the update are checked first and every problem is reported at once; nothing is
    /// sent when there is one. Polar's rules the builder cannot express are Polar's to enforce
    /// (an email held by another customer, an `external_id` on a customer that has another one,
    /// a tax ID that does not fit the billing country): they come back as [`Error::Validation`]
    /// listing every field. Updates are last-write-wins; a PATCH that may have been lost is sent
    /// again (it sets the same values).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{CustomerUpdate, NewCustomer};
    ///
    /// let customer = polar.customers().create(NewCustomer::individual("jane@example.org").name("Jane")).await?;
    /// let update = CustomerUpdate::new().clear_name().replace_metadata([("plan", "pro")]);
    /// let updated = polar.customers().update(customer.id(), update).await?;
    /// assert_eq!(updated.name(), None);
    /// assert_eq!(updated.metadata()["plan"].as_str(), Some("pro"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) with every problem of `id` and `update`;
    /// [`Error::NotFound`] naming the ID when no live customer has it; [`Error::Validation`] for
    /// what Polar refuses (see above); otherwise as [`Customers::create`].
    pub fn update<I: Into<CustomerId>>(
        &self,
        id: I,
        update: CustomerUpdate,
    ) -> impl Future<Output = Result<Customer, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let this = &this;
            let id = id.as_str();
            let id = checked_id(id, |check| update.check(check))?;
            let api = this.core.api();
            this.core
                .run(Operation::replayable("customers:update", 200), || {
                    api.customers_update(&id, &update)
                })
                .await
                .result
                .map_err(|e| e.looking_for(|| CustomerRef::Id(id).to_string()))
        }
    }

    /// Applies `update` to the customer with this external ID; see [`Customers::update`].
    ///
    /// Polar's by-external-ID update cannot change the external ID or the type (it would drop
    /// them silently), so an update using [`CustomerUpdate::external_id`] or
    /// [`CustomerUpdate::upgrade_to_team`] is refused here, with the other problems, before
    /// anything is sent: update by Polar ID for those.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{CustomerUpdate, Error, NewCustomer};
    ///
    /// polar.customers().create(NewCustomer::individual("jane@example.org").external_id("usr_7")).await?;
    /// let updated = polar
    ///     .customers()
    ///     .update_by_external_id("usr_7", CustomerUpdate::new().name("Jane Doe"))
    ///     .await?;
    /// assert_eq!(updated.name(), Some("Jane Doe"));
    ///
    /// let err = polar
    ///     .customers()
    ///     .update_by_external_id("usr_7", CustomerUpdate::new().upgrade_to_team())
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.problems()[0].field(), "type");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) with every problem of `external_id` (as for
    /// [`Customers::get_by_external_id`]) and of `update`; otherwise as [`Customers::update`].
    pub fn update_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
        update: CustomerUpdate,
    ) -> impl Future<Output = Result<Customer, Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let this = &this;
            let external_id = external_id.as_str();
            let started = Instant::now();
            let external_id = match (
                crate::path::segment("external_id", external_id),
                update.by_external_id(),
            ) {
                (Ok(external_id), Ok(_)) => external_id,
                (segment, body) => {
                    let mut problems = segment
                        .err()
                        .map(|e| e.problems().to_vec())
                        .unwrap_or_default();
                    problems.extend(body.err().unwrap_or_default());
                    return Err(Error::InvalidInput { problems });
                }
            };
            // Looked up first and updated by Polar's ID: a retry after a lost answer can only
            // reach the customer the lookup found.
            let customer = this
                .get_by_external_id_within(external_id, Some(started))
                .await?;
            let id = checked_id(customer.id(), |_| {})?;
            let api = this.core.api();
            let op = Operation::replayable("customers:update", 200);
            run_within(this.core.state(), op, Some(started), || {
                api.customers_update(&id, &update)
            })
            .await
            .result
            .map_err(|e| e.looking_for(|| CustomerRef::External(external_id).to_string()))
        }
    }
}
