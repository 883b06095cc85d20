//! Looking a customer up by your ID for it (`customers:get_external`) or by email (`customers:list`),
//! as a call of its own or as part of one that started earlier (settling a lost create).

use std::future::Future;

use tokio::time::Instant;

use super::Customers;
use crate::core::run::{Operation, run_within};
use crate::customers::customer::Customer;
use crate::error::Error;

impl Customers {
    /// Fetches the customer with this `external_id` (your system's ID for it).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// match polar.customers().get_by_external_id("usr_1337").await {
    ///     Ok(customer) => println!("{} is {}", customer.id(), customer.email().unwrap_or("-")),
    ///     Err(polar_client::Error::NotFound { .. }) => println!("no such customer"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for an ID that cannot be one path segment: empty,
    /// `.`/`..`, or containing `/`, `\` or a control character. [`Error::NotFound`] when no
    /// customer has that external ID; otherwise as [`Customers::create`].
    pub fn get_by_external_id<E: Into<String>>(
        &self,
        external_id: E,
    ) -> impl Future<Output = Result<Customer, Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let external_id: String = external_id.into();
        async move {
            let this = &this;
            let external_id = external_id.as_str();
            this.get_by_external_id_within(external_id, None).await
        }
    }

    /// Finds the customer with this email address, if there is one.
    ///
    /// Polar keeps at most one customer per email in an organization and matches emails without
    /// regard to case; so does this lookup.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// if let Some(customer) = polar.customers().find_by_email("jane@example.org").await? {
    ///     println!("already a customer: {}", customer.id());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Customers::get_by_external_id`], except that no match is `Ok(None)`, not an error.
    pub fn find_by_email<E: Into<String>>(
        &self,
        email: E,
    ) -> impl Future<Output = Result<Option<Customer>, Error>> + Send + 'static + use<E> {
        let this = self.clone();
        let email: String = email.into();
        async move {
            let this = &this;
            let email = email.as_str();
            this.find_by_email_within(email, None).await
        }
    }

    /// [`Customers::get_by_external_id`] as part of the call that started at `call_started`
    /// (`None`: a call of its own), within what is left of its overall deadline.
    pub(super) async fn get_by_external_id_within(
        &self,
        external_id: &str,
        call_started: Option<Instant>,
    ) -> Result<Customer, Error> {
        let external_id = crate::path::segment("external_id", external_id)?;
        let api = self.core.api();
        let op = Operation::read("customers:get_external");
        run_within(self.core.state(), op, call_started, || {
            api.customers_get_external(external_id)
        })
        .await
        .result
        .map_err(|e| e.looking_for(|| format!("customer with external ID {external_id:?}")))
    }

    /// [`Customers::find_by_email`] as part of the call that started at `call_started` (`None`: a
    /// call of its own), within what is left of its overall deadline.
    pub(super) async fn find_by_email_within(
        &self,
        email: &str,
        call_started: Option<Instant>,
    ) -> Result<Option<Customer>, Error> {
        let api = self.core.api();
        let op = Operation::read("customers:list");
        let page = run_within(self.core.state(), op, call_started, || {
            api.customers_list(None, Some(email), None, None, None, None, None)
        })
        .await
        .result?;
        Ok(page
            .items
            .into_iter()
            .find(|c| c.email().is_some_and(|e| same_email(e, email))))
    }
}

/// Whether two emails are the same address as Polar compares them (case-insensitively).
pub(crate) fn same_email(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}
