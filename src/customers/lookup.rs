//! Looking a customer up by your ID for it (`customers:get_external`) or by email (`customers:list`).

use super::Customers;
use crate::customer::Customer;
use crate::error::Error;
use crate::run::Operation;

impl Customers<'_> {
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
    /// [`Error::NotFound`] when no customer has that external ID; otherwise as
    /// [`Customers::create`].
    pub async fn get_by_external_id(&self, external_id: &str) -> Result<Customer, Error> {
        let api = self.polar.api();
        self.polar
            .run(Operation::read("customers:get_external"), || {
                api.customers_get_external(external_id)
            })
            .await
            .result
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
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Customer>, Error> {
        let api = self.polar.api();
        let page = self
            .polar
            .run(Operation::read("customers:list"), || {
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
