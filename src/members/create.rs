//! Adding a member to a customer (`customers:members:create` and `…:create_external`).

use std::future::Future;

use super::{Member, Members, NewMember, checked};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::CustomerId;
use crate::ids::CustomerRef;

impl Members {
    /// Adds a member to the customer with this Polar ID (a version-4 UUID).
    ///
    /// Adding is idempotent by email: when the customer already has a member with this email
    /// (letter case aside), Polar returns that member unchanged, ignoring the new name, role and
    /// `external_id`. So the client retries a create whose answer was lost like a read, and gets
    /// the member the lost attempt added.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use polar_client_mock::MockPolar;
    /// use polar_client::{MemberRole, NewCustomer, NewMember, NewMemberRole, Polar};
    ///
    /// let mock = MockPolar::builder().member_model(true).start().await?;
    /// let polar = Polar::builder()
    ///     .access_token(mock.organization_token())
    ///     .base_url(mock.base_url())
    ///     .build()?;
    /// let team = polar.customers().create(NewCustomer::team().email("team@acme.test")).await?;
    ///
    /// let new = NewMember::new("accounts@acme.test").role(NewMemberRole::BillingManager);
    /// let member = polar.members().create(team.id(), new.clone()).await?;
    /// assert_eq!(member.role(), &MemberRole::BillingManager);
    /// // The same email again: the same member.
    /// assert_eq!(polar.members().create(team.id(), new).await?.id(), member.id());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// - [`Error::InvalidInput`] (nothing sent) for a `customer_id` that is not a version-4 UUID
    ///   or a member breaking a rule of [`NewMember::validate`], all problems at once.
    /// - [`Error::Forbidden`] when the organization does not use members ("Member management is
    ///   not enabled for this organization": turn on the member model or seat-based pricing in
    ///   its settings), or the customer is an individual, which has exactly one member, its owner
    ///   (upgrade it to a team first); also when the token lacks the `members:write` scope
    ///   (`customers:write` is not enough).
    /// - [`Error::NotFound`] when there is no such customer.
    /// - [`Error::Validation`] for a rule Polar checks and the client cannot.
    /// - [`Error::Unauthorized`], [`Error::RateLimited`], and the transport and server errors of
    ///   any call, after the client's own retries. A second member with the same `external_id`
    ///   makes Polar fail with a server error.
    pub fn create<C: Into<CustomerId>>(
        &self,
        customer_id: C,
        member: NewMember,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C> {
        let this = self.clone();
        let customer_id: CustomerId = customer_id.into();
        async move {
            let this = &this;
            let customer_id = customer_id.as_str();
            let customer = checked(
                CustomerRef::by_id("customer_id", customer_id),
                member.validate(),
            )?;
            this.add(customer, &member).await
        }
    }

    /// Adds a member to the customer with this `external_id` (your system's ID for it).
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::NewMember;
    ///
    /// let member = polar
    ///     .members()
    ///     .create_by_external_id("org_42", NewMember::new("bob@acme.test").external_id("usr_7"))
    ///     .await?;
    /// println!("added {}", member.id());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Members::create`], with [`Error::InvalidInput`] for an external ID that cannot be one
    /// path segment (empty, `.`/`..`, or containing `/`, `\` or a control character), and
    /// [`Error::RequestRejected`] with status `409` (`AmbiguousExternalCustomerID`) when a personal
    /// access token sees customers with this external ID in several organizations.
    pub fn create_by_external_id<C: Into<String>>(
        &self,
        external_customer_id: C,
        member: NewMember,
    ) -> impl Future<Output = Result<Member, Error>> + Send + 'static + use<C> {
        let this = self.clone();
        let external_customer_id: String = external_customer_id.into();
        async move {
            let this = &this;
            let external_customer_id = external_customer_id.as_str();
            let customer = checked(
                CustomerRef::by_external_id("external_customer_id", external_customer_id),
                member.validate(),
            )?;
            this.add(customer, &member).await
        }
    }

    /// Sends the create, replayed on ambiguous failures (Polar deduplicates by email).
    async fn add(&self, customer: CustomerRef<'_>, member: &NewMember) -> Result<Member, Error> {
        let op = |name| Operation::replayable(name, 201);
        let api = self.core.api();
        let finished = match customer {
            CustomerRef::Id(id) => {
                self.core
                    .run(op("customers:members:create"), || {
                        api.customers_members_create(&id, member)
                    })
                    .await
            }
            CustomerRef::External(id) => {
                self.core
                    .run(op("customers:members:create_external"), || {
                        api.customers_members_create_external(id, member)
                    })
                    .await
            }
        };
        finished
            .result
            .map_err(|e| e.looking_for(|| customer.to_string()))
    }
}
