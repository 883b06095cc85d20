//! Deleting a customer, optionally anonymizing it, by Polar's ID or by external ID
//! (`customers:delete`, `customers:delete_external`): replay-safe, and a `404` after an attempt
//! that may have landed is the delete having succeeded.

use std::future::Future;

use super::{Customers, by_external_id, by_id};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::CustomerId;
use crate::ids::CustomerRef;

/// What a delete does besides the soft delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Erase {
    /// Keep the customer's personal data on the deleted record.
    Nothing,
    /// Also hash or clear the personal data (`anonymize=true`).
    PersonalData,
}

impl Customers {
    /// Deletes the customer with this Polar ID.
    ///
    /// Polar soft-deletes: the customer disappears from reads and lists, its members are deleted,
    /// its billable subscriptions are cancelled **immediately** and its benefits revoked (shortly
    /// after the call returns). Its email and external ID are freed: a new customer may take them.
    /// There is no undelete.
    ///
    /// Safe to retry: when an attempt's answer is lost (timeout, dropped connection, 5xx) the
    /// request is sent again, and a `404` after such an attempt means the lost attempt deleted
    /// the customer, so the call returns `Ok(())`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client::mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{Error, NewCustomer};
    ///
    /// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
    /// polar.customers().delete(customer.id()).await?;
    /// let err = polar.customers().get(customer.id()).await.unwrap_err();
    /// assert!(matches!(err, Error::NotFound { .. }));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a version-4 UUID;
    /// [`Error::NotFound`] naming the ID when no live customer has it (and no attempt of this call
    /// may have deleted it); otherwise as [`Customers::create`].
    pub fn delete<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let this = &this;
            let id = id.as_str();
            this.remove(by_id(id)?, Erase::Nothing).await
        }
    }

    /// Deletes the customer with this external ID; see [`Customers::delete`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client::mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewCustomer;
    ///
    /// let jane = || NewCustomer::individual("jane@example.org").external_id("usr_7");
    /// polar.customers().create(jane()).await?;
    /// polar.customers().delete_by_external_id("usr_7").await?;
    /// // The external ID and the email are free again.
    /// polar.customers().create(jane()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for an external ID that cannot be one path segment
    /// (empty, `.`/`..`, containing `/`, `\` or a control character); otherwise as
    /// [`Customers::delete`].
    pub fn delete_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let this = &this;
            let external_id = external_id.as_str();
            this.remove(by_external_id(external_id)?, Erase::Nothing)
                .await
        }
    }

    /// Deletes the customer with this Polar ID and anonymizes its personal data (a data-deletion
    /// request): everything [`Customers::delete`] does, and the email becomes a hash
    /// `@anonymized.polar.sh`, the name is hashed unless the customer has a tax ID (businesses
    /// keep theirs), the billing address is cleared. The tax ID and the external ID (kept in the
    /// deleted record's metadata) stay. Retried as [`Customers::delete`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client::mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewCustomer;
    ///
    /// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
    /// polar.customers().anonymize(customer.id()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Customers::delete`].
    pub fn anonymize<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let this = &this;
            let id = id.as_str();
            this.remove(by_id(id)?, Erase::PersonalData).await
        }
    }

    /// Deletes and anonymizes the customer with this external ID; see [`Customers::anonymize`].
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// polar.customers().anonymize_by_external_id("usr_7").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Customers::delete_by_external_id`].
    pub fn anonymize_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let this = &this;
            let external_id = external_id.as_str();
            this.remove(by_external_id(external_id)?, Erase::PersonalData)
                .await
        }
    }

    /// The DELETE through the retry loop, settled: a `404` after an attempt that may have landed
    /// is that attempt's success.
    async fn remove(&self, target: CustomerRef<'_>, erase: Erase) -> Result<(), Error> {
        let anonymize = Some(erase == Erase::PersonalData);
        let api = self.core.api();
        let finished = match target {
            CustomerRef::Id(id) => {
                self.core
                    .run(Operation::replayable("customers:delete", 204), || {
                        api.customers_delete(&id, anonymize)
                    })
                    .await
            }
            CustomerRef::External(external_id) => {
                self.core
                    .run(
                        Operation::replayable("customers:delete_external", 204),
                        || api.customers_delete_external(external_id, anonymize),
                    )
                    .await
            }
        };
        finished.into_deleted(|| target.to_string())
    }
}
