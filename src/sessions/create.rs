//! Creating a customer portal session (`customer-sessions:create`).

use std::future::Future;

use super::{CustomerSession, CustomerSessions, NewCustomerSession};
use crate::core::run::Operation;
use crate::error::Error;

impl CustomerSessions {
    /// Creates a customer portal session: a link that signs the customer (or, when the
    /// organization uses members, one of its members) into Polar's customer portal for one hour.
    ///
    /// The session is checked first ([`NewCustomerSession::validate`]); nothing is sent when it
    /// is invalid. Retrying is harmless: a create whose answer was lost only left a spare token
    /// behind, which expires unused, so the client replays it after a timeout or a lost
    /// connection like a read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use polar_client_mock::MockPolar;
    /// use polar_client::{NewCustomer, NewCustomerSession, Polar};
    ///
    /// let mock = MockPolar::start().await?;
    /// let polar = Polar::builder()
    ///     .access_token(mock.organization_token())
    ///     .base_url(mock.base_url())
    ///     .build()?;
    /// polar
    ///     .customers()
    ///     .create(NewCustomer::individual("jane@example.org").external_id("usr_1337"))
    ///     .await?;
    ///
    /// let session = polar
    ///     .customer_sessions()
    ///     .create(NewCustomerSession::for_external_id("usr_1337").return_url("https://example.com/account"))
    ///     .await?;
    /// println!("send the customer to {}", session.customer_portal_url());
    /// assert_eq!(session.customer().external_id(), Some("usr_1337"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] (nothing sent) when the session breaks a rule
    ///   [`NewCustomerSession::validate`] checks, e.g. a `customer_id` that is not a version-4 UUID.
    /// - [`Error::Validation`] when Polar knows no such customer: it answers `422` (not `404`) with
    ///   "Customer does not exist." at `customer_id` or `external_customer_id`. In member mode also
    ///   "member_id is required for team customers." and "Member does not exist for this
    ///   customer." ([`Error::field_errors`] has the field paths).
    /// - [`Error::Unauthorized`], [`Error::Forbidden`] (the token lacks
    ///   `customer_sessions:write`), [`Error::RateLimited`], and the transport and server errors of
    ///   any call, after the client's own retries.
    pub fn create(
        &self,
        session: NewCustomerSession,
    ) -> impl Future<Output = Result<CustomerSession, Error>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            let this = &this;
            session
                .validate()
                .map_err(|problems| Error::InvalidInput { problems })?;
            let op = Operation::replayable("customer-sessions:create", 201);
            let api = this.core.api();
            this.core
                .run(op, || api.customer_sessions_create(&session))
                .await
                .result
        }
    }
}
