//! Changing a member (`customers:members:update` and `…:update_external`).

use std::future::Future;

use super::{Member, MemberKey, MemberRef, MemberUpdate, Members};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::{CustomerId, MemberId};

impl Members {
    /// Changes the member with this Polar ID (any UUID) of the customer with this Polar ID (a
    /// version-4 UUID), and returns it as it is now.
    ///
    /// An empty update changes nothing. Giving the member the owner role
    /// ([`MemberUpdate::transfer_ownership`]) transfers ownership: the previous owner becomes a
    /// billing manager. Updates are last-write-wins and safe to replay, so the client retries them
    /// after ambiguous failures.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use polar_client_mock::MockPolar;
    /// use polar_client::{MemberRole, MemberUpdate, NewCustomer, NewMember, Polar};
    ///
    /// let mock = MockPolar::builder().member_model(true).start().await?;
    /// let polar = Polar::builder()
    ///     .access_token(mock.organization_token())
    ///     .base_url(mock.base_url())
    ///     .build()?;
    /// let team = polar.customers().create(NewCustomer::team().email("team@acme.test")).await?;
    /// let bob = polar.members().create(team.id(), NewMember::new("bob@acme.test")).await?;
    ///
    /// let bob = polar
    ///     .members()
    ///     .update(team.id(), bob.id(), MemberUpdate::new().name("Bob").transfer_ownership())
    ///     .await?;
    /// assert_eq!(bob.role(), &MemberRole::Owner);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] (nothing sent) when an ID is not a UUID of the right kind or the
    ///   update breaks a rule of [`MemberUpdate::validate`], all problems at once.
    /// - [`Error::Validation`] for Polar's member rules: demoting the only owner ("Customer must
    ///   have exactly one owner", field `role`), changing the email of an individual customer's
    ///   owner (change the customer's email instead) or to another member's email (field `email`).
    /// - [`Error::NotFound`] (naming both IDs) when the customer has no such member.
    /// - [`Error::Forbidden`] when the token lacks the `members:write` scope.
    /// - [`Error::Unauthorized`], [`Error::RateLimited`], and the transport and server errors of
    ///   any call, after the client's own retries.
    pub fn update<C: Into<CustomerId>, M: Into<MemberId>>(
        &self,
        customer_id: C,
        member_id: M,
        update: MemberUpdate,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::ids(customer_id, member_id);
        async move { this.change(key.checked(update.validate())?, &update).await }
    }

    /// Changes the member with this `external_id` of the customer with this `external_id`.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::MemberUpdate;
    ///
    /// let update = MemberUpdate::new().email("robert@acme.test");
    /// polar.members().update_by_external_ids("org_42", "usr_7", update).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Members::update`], with [`Error::InvalidInput`] for an external ID that cannot be one
    /// path segment, [`Error::NotFound`] also when no customer has this external ID, and
    /// [`Error::RequestRejected`] with status `409` (`AmbiguousExternalCustomerID`) when a personal
    /// access token sees customers with it in several organizations.
    pub fn update_by_external_ids<C: Into<String>, M: Into<String>>(
        &self,
        external_customer_id: C,
        external_member_id: M,
        update: MemberUpdate,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C, M> {
        let this = self.clone();
        let key = MemberKey::external(external_customer_id, external_member_id);
        async move { this.change(key.checked(update.validate())?, &update).await }
    }

    /// Sends the update by Polar's IDs (looked up first for external IDs, so that a retry can
    /// only reach the member the lookup found).
    async fn change(&self, target: MemberRef<'_>, update: &MemberUpdate) -> Result<Member, Error> {
        let (customer, member) = self.polar_ids(target).await?;
        let api = self.core.api();
        self.core
            .run(
                Operation::replayable("customers:members:update", 200),
                || api.customers_members_update(&customer, &member, update),
            )
            .await
            .result
            .map_err(|e| e.looking_for(|| target.to_string()))
    }
}
