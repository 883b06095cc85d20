//! Fetching one member (`customers:members:get` and `…:get_external`).

use std::future::Future;

use super::{Member, MemberKey, MemberRef, Members};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::{CustomerId, MemberId};

impl Members {
    /// Fetches the member with this Polar ID (any UUID) of the customer with this Polar ID (a
    /// version-4 UUID).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar, customer_id: &str, member_id: &str) -> Result<(), polar_client::Error> {
    /// match polar.members().get(customer_id, member_id).await {
    ///     Ok(member) => println!("{} is a {}", member.email(), member.role()),
    ///     Err(polar_client::Error::NotFound { .. }) => println!("no such member"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Typed IDs cannot be swapped: a [`MemberId`] does not convert into a [`CustomerId`], so
    /// this does not compile.
    ///
    /// ```compile_fail
    /// # async fn run(polar: polar_client::Polar, member: polar_client::Member) {
    /// let _ = polar.members().get(member.id(), member.customer_id()).await;
    /// # }
    /// ```
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] (nothing sent) when either ID is not a UUID of the right kind.
    /// - [`Error::NotFound`] (naming both IDs) when the customer has no such member: it does not
    ///   exist, was deleted or belongs to another customer.
    /// - [`Error::Forbidden`] when the token lacks the `members:read` scope.
    /// - [`Error::Unauthorized`], [`Error::RateLimited`], and the transport and server errors of
    ///   any call, after the client's own retries.
    pub fn get<C: Into<CustomerId>, M: Into<MemberId>>(
        &self,
        customer_id: C,
        member_id: M,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::ids(customer_id, member_id);
        async move { this.fetch(key.checked(Ok(()))?).await }
    }

    /// Fetches the member with this `external_id` of the customer with this `external_id`.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let member = polar.members().get_by_external_ids("org_42", "usr_7").await?;
    /// println!("{}", member.email());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Members::get`], with [`Error::InvalidInput`] for an external ID that cannot be one
    /// path segment, [`Error::NotFound`] also when no customer has this external ID, and
    /// [`Error::RequestRejected`] with status `409` (`AmbiguousExternalCustomerID`) when a personal
    /// access token sees customers with it in several organizations.
    pub fn get_by_external_ids<C: Into<String>, M: Into<String>>(
        &self,
        external_customer_id: C,
        external_member_id: M,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::external(external_customer_id, external_member_id);
        async move { this.fetch(key.checked(Ok(()))?).await }
    }

    pub(super) async fn fetch(&self, target: MemberRef<'_>) -> Result<Member, Error> {
        let api = self.core.api();
        let finished = match target {
            MemberRef::Ids { customer, member } => {
                self.core
                    .run(Operation::read("customers:members:get"), || {
                        api.customers_members_get(&customer, &member)
                    })
                    .await
            }
            MemberRef::External { customer, member } => {
                self.core
                    .run(Operation::read("customers:members:get_external"), || {
                        api.customers_members_get_external(customer, member)
                    })
                    .await
            }
        };
        finished
            .result
            .map_err(|e| e.looking_for(|| target.to_string()))
    }
}
