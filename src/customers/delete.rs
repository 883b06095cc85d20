//! Deleting a customer, optionally anonymizing it, by Polar's ID or by external ID
//! (`customers:delete`): replay-safe. A delete by external ID first looks the customer up and
//! then deletes it by Polar's ID, so a retry can never reach another customer that took the freed
//! external ID meanwhile. A `404` after an attempt that may have landed is reported as exactly
//! that ([`Deleted::GoneAfterLostAnswer`]); an anonymization is never claimed unless Polar
//! answered this call's request.

use std::future::Future;

use tokio::time::Instant;
use uuid::Uuid;

use super::{Customers, checked_id};
use crate::core::run::{Operation, run_within};
use crate::deleted::Deleted;
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
    /// request is sent again. What `Ok` then knows is in [`Deleted`]: [`Deleted::ByThisCall`]
    /// when Polar answered this call's request, [`Deleted::GoneAfterLostAnswer`] when a retry
    /// found the customer gone after an attempt whose answer was lost (that attempt may have
    /// deleted it — or there was no such live customer, as with a mistyped ID).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{Deleted, Error, NewCustomer};
    ///
    /// let customer = polar.customers().create(NewCustomer::individual("jane@example.org")).await?;
    /// assert_eq!(polar.customers().delete(customer.id()).await?, Deleted::ByThisCall);
    /// let err = polar.customers().get(customer.id()).await.unwrap_err();
    /// assert!(matches!(err, Error::NotFound { .. }));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a version-4 UUID;
    /// [`Error::NotFound`] naming the ID when no live customer has it and no attempt of this call
    /// may have deleted it; [`Error::OutcomeUnknown`] when an attempt may have deleted it but the
    /// call then failed otherwise; else as [`Customers::create`].
    pub fn delete<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Deleted, Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let target = checked_id(&id, |_| {})?;
            this.remove(target, Erase::Nothing, Instant::now()).await
        }
    }

    /// Deletes the customer with this external ID; see [`Customers::delete`].
    ///
    /// The customer is looked up first (one read) and then deleted by Polar's ID: a delete sent
    /// again after a lost answer can only reach the customer the lookup found, never a new
    /// customer that took the external ID the first attempt freed.
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
    /// let jane = || NewCustomer::individual("jane@example.org").external_id("usr_7");
    /// polar.customers().create(jane()).await?;
    /// assert!(polar.customers().delete_by_external_id("usr_7").await?.is_confirmed());
    /// // The external ID and the email are free again.
    /// polar.customers().create(jane()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for an external ID that cannot be one path segment
    /// (empty, `.`/`..`, containing `/`, `\` or a control character); [`Error::NotFound`] naming
    /// the external ID when no live customer has it; otherwise as [`Customers::delete`].
    pub fn delete_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<Deleted, Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let started = Instant::now();
            let target = this.resolve(&external_id, started).await?;
            this.remove(target, Erase::Nothing, started).await
        }
    }

    /// Deletes the customer with this Polar ID and anonymizes its personal data (a data-deletion
    /// request): everything [`Customers::delete`] does, and the email becomes a hash
    /// `@anonymized.polar.sh`, the name is hashed unless the customer has a tax ID (businesses
    /// keep theirs), the billing address is cleared. The tax ID and the external ID (kept in the
    /// deleted record's metadata) stay. Retried as [`Customers::delete`].
    ///
    /// `Ok(())` means Polar answered this call's request: the customer is deleted and
    /// anonymized. An anonymization is never claimed that the client cannot know about: when
    /// a retry finds the customer gone after an attempt whose answer was lost, that attempt may
    /// have anonymized it — or the customer had been deleted earlier *without* anonymization —
    /// so the call returns [`Error::OutcomeUnknown`] rather than `Ok`.
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
    /// polar.customers().anonymize(customer.id()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Customers::delete`], and [`Error::OutcomeUnknown`] (wrapping a `NotFound`) when the
    /// anonymization cannot be confirmed as described above.
    pub fn anonymize<I: Into<CustomerId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<I> {
        let this = self.clone();
        let id: CustomerId = id.into();
        async move {
            let target = checked_id(&id, |_| {})?;
            this.erase(target, Instant::now()).await
        }
    }

    /// Deletes and anonymizes the customer with this external ID; see [`Customers::anonymize`]
    /// (and [`Customers::delete_by_external_id`] for the lookup first).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// polar.customers().anonymize_by_external_id("usr_7").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Customers::delete_by_external_id`] and [`Customers::anonymize`].
    pub fn anonymize_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let started = Instant::now();
            let target = this.resolve(&external_id, started).await?;
            this.erase(target, started).await
        }
    }

    /// The Polar ID of the customer with this external ID, looked up as part of the call that
    /// started at `started`.
    async fn resolve(&self, external_id: &str, started: Instant) -> Result<Uuid, Error> {
        let customer = self
            .get_by_external_id_within(external_id, Some(started))
            .await?;
        checked_id(customer.id(), |_| {})
    }

    /// Deletes and anonymizes: only an answer to this call's own request confirms it.
    async fn erase(&self, id: Uuid, started: Instant) -> Result<(), Error> {
        match self.remove(id, Erase::PersonalData, started).await? {
            Deleted::ByThisCall => Ok(()),
            Deleted::GoneAfterLostAnswer => Err(Error::OutcomeUnknown {
                earlier: "an attempt whose answer was lost may have deleted and anonymized the customer".to_owned(),
                last: Box::new(Error::NotFound {
                    resource: Some(CustomerRef::Id(id).to_string()),
                    message: "the customer was gone when the request was sent again; it may have been deleted earlier without anonymization".to_owned(),
                    request_id: None,
                }),
                replay_safe: true,
            }),
        }
    }

    /// The DELETE by Polar's ID through the retry loop (part of the call that started at
    /// `started`), settled into what it knows.
    async fn remove(&self, id: Uuid, erase: Erase, started: Instant) -> Result<Deleted, Error> {
        let anonymize = Some(erase == Erase::PersonalData);
        let api = self.core.api();
        let op = Operation::replayable("customers:delete", 204);
        run_within(self.core.state(), op, Some(started), || {
            api.customers_delete(&id, anonymize)
        })
        .await
        .into_deleted(|| CustomerRef::Id(id).to_string())
    }
}
