//! Removing a member (`customers:members:delete` and `…:delete_external`).

use std::future::Future;

use super::{MemberKey, MemberRef, Members};
use crate::core::run::Operation;
use crate::deleted::Deleted;
use crate::error::Error;
use crate::id::{CustomerId, MemberId};

impl Members {
    /// Removes the member with this Polar ID (any UUID) from the customer with this Polar ID (a
    /// version-4 UUID). Polar revokes the member's seats and benefit grants shortly after.
    ///
    /// Safe to retry: when an attempt whose answer was lost may have removed the member and the
    /// retry finds it gone (`404`), this returns [`Deleted::GoneAfterLostAnswer`] (that attempt
    /// may have removed it, or it was not there); [`Deleted::ByThisCall`] when Polar answered this
    /// call's request.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar, customer_id: &str, member_id: &str) -> Result<(), polar_client::Error> {
    /// polar.members().delete(customer_id, member_id).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] (nothing sent) when either ID is not a UUID of the right kind.
    /// - [`Error::Validation`] when the member is the customer's only owner ("Cannot delete the
    ///   only owner. Transfer ownership first.").
    /// - [`Error::NotFound`] (naming both IDs) when the customer has no such member, unless an
    ///   earlier attempt of this call may have removed it.
    /// - [`Error::Forbidden`] when the token lacks the `members:write` scope.
    /// - [`Error::Unauthorized`], [`Error::RateLimited`], and the transport and server errors of
    ///   any call, after the client's own retries.
    pub fn delete<C: Into<CustomerId>, M: Into<MemberId>>(
        &self,
        customer_id: C,
        member_id: M,
    ) -> impl Future<Output = Result<Deleted, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::ids(customer_id, member_id);
        async move { this.remove(key.checked(Ok(()))?).await }
    }

    /// Removes the member with this `external_id` from the customer with this `external_id`.
    ///
    /// The member is looked up first (one read) and removed by Polar's IDs, so a retry can only
    /// reach the member the lookup found.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// polar.members().delete_by_external_ids("org_42", "usr_7").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Members::delete`], with [`Error::InvalidInput`] for an external ID that cannot be one
    /// path segment, [`Error::NotFound`] also when no customer has this external ID, and
    /// [`Error::RequestRejected`] with status `409` (`AmbiguousExternalCustomerID`) when a personal
    /// access token sees customers with it in several organizations.
    pub fn delete_by_external_ids<C: Into<String>, M: Into<String>>(
        &self,
        external_customer_id: C,
        external_member_id: M,
    ) -> impl Future<Output = Result<Deleted, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::external(external_customer_id, external_member_id);
        async move { this.remove(key.checked(Ok(()))?).await }
    }

    /// Sends the delete by Polar's IDs (looked up first for external IDs), settled into what it
    /// knows: a `404` after an attempt that may have landed is [`Deleted::GoneAfterLostAnswer`].
    async fn remove(&self, target: MemberRef<'_>) -> Result<Deleted, Error> {
        let (customer, member) = self.polar_ids(target).await?;
        let api = self.core.api();
        self.core
            .run(
                Operation::replayable("customers:members:delete", 204),
                || api.customers_members_delete(&customer, &member),
            )
            .await
            .into_deleted(|| target.to_string())
    }
}
