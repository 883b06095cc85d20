//! Creating a customer exactly once (`customers:create`): validate, run the retry loop, then
//! settle — an attempt that may have landed is looked up and returned only when it is the
//! customer asked for — and [`Customers::create_or_get`], the safe way to create again. The
//! lookups that settle a create run within what is left of the create's overall deadline.

use std::future::Future;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use super::Customers;
use super::lookup::same_email;
use crate::core::run::{Finished, Operation, time_left, wait_within};
use crate::customers::customer::{Customer, CustomerKind};
use crate::customers::new_customer::NewCustomer;
use crate::error::{Difference, Error};
use crate::validate::{InputProblem, validate};

/// How far Polar's clock may lag ours: a customer found after an ambiguous create that is older
/// than the call by more than this existed before it ([`CreateOrGet::Existing`]).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(2);

/// What [`Customers::create_or_get`] did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CreateOrGet {
    /// This call created the customer ([`Customer::was_recovered`] tells when its answer was lost
    /// and the customer was found afterwards).
    Created(Customer),
    /// A customer with the same `external_id` (or, without one, email), type and email existed
    /// already; it is returned unchanged.
    Existing(Customer),
}

impl CreateOrGet {
    /// The customer, created or found.
    pub fn customer(&self) -> &Customer {
        match self {
            Self::Created(customer) | Self::Existing(customer) => customer,
        }
    }

    /// The customer, created or found.
    pub fn into_customer(self) -> Customer {
        match self {
            Self::Created(customer) | Self::Existing(customer) => customer,
        }
    }

    /// Whether this call created the customer.
    pub fn was_created(&self) -> bool {
        matches!(self, Self::Created(_))
    }
}

impl Customers {
    /// Creates a customer, retrying what is safe to retry and never creating it twice.
    ///
    /// The input is validated first; nothing is sent when it is invalid. An attempt that may have
    /// reached Polar (a timeout, a lost connection, a 5xx) is re-sent only when the body carries a
    /// key Polar deduplicates on (an email or an `external_id`); a `429` is always re-sent after
    /// the wait Polar asks for, within the policy's deadline.
    ///
    /// When the call fails after an attempt may have created the customer, the customer is looked
    /// up by `external_id` (else email) and returned — [`Customer::was_recovered`] tells — but only
    /// if it **is** the one asked for: same `external_id`, same email (compared as Polar compares
    /// it, ignoring case) and same type. Otherwise the error stands, and
    /// [`Error::may_have_been_processed`] says whether this call may have created it. To create
    /// again after such an error, call [`Customers::create_or_get`]. The lookup is part of the
    /// call: it runs within what is left of the policy's
    /// [`overall_deadline`](crate::RetryPolicy::overall_deadline), and is not made when nothing is
    /// left.
    ///
    /// Here against the in-process mock (the `polar-client-mock` crate); any [`Polar`](crate::Polar)
    /// client works the same way:
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
    /// let jane = || NewCustomer::individual("jane@example.org").name("Jane").external_id("usr_7");
    /// let customer = polar.customers().create(jane()).await?;
    /// assert_eq!(customer.email(), Some("jane@example.org"));
    ///
    /// // Polar keeps one customer per email and per external ID.
    /// match polar.customers().create(jane()).await {
    ///     Ok(_) => unreachable!("the second create is refused"),
    ///     Err(e) if e.is_duplicate_email() => println!("already a customer"),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent), and every server or network failure classified by
    /// [`Error`]: validation and duplicates, authentication, permission, rate limits, server errors,
    /// transport failures and timeouts (saying whether the customer may have been created).
    pub fn create(
        &self,
        customer: NewCustomer,
    ) -> impl Future<Output = Result<Customer, Error>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            let this = &this;
            this.validate(&customer)?;
            let finished = this.send_create(&customer).await;
            match finished.result {
                Ok(created) => Ok(created),
                // Boxed: the rare settle path's lookups would otherwise enlarge every create's future.
                Err(error) if finished.may_have_landed && customer.has_dedup_key() => {
                    Box::pin(this.settle_lost_create(&customer, error, finished.started)).await
                }
                Err(error) => Err(error),
            }
        }
    }

    /// Creates the customer unless one with its `external_id` (or, without one, its email) exists;
    /// then returns that one if it is the customer asked for, and says which happened.
    ///
    /// "The customer asked for" means the same `external_id`, the same email (ignoring case, as
    /// Polar does) and the same type; other fields (name, address, metadata) are not compared —
    /// change them with an update. A customer holding the key that differs in one of these is an
    /// [`Error::Conflict`] listing the differing fields on both sides.
    ///
    /// This is how to retry a create safely, e.g. after a timeout whose answer was lost, or when a
    /// sign-up form is submitted twice. The lookup that follows a duplicate or a lost answer runs
    /// within what is left of the policy's
    /// [`overall_deadline`](crate::RetryPolicy::overall_deadline); when nothing is left, the
    /// create's error is returned.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::{CreateOrGet, Error, NewCustomer};
    ///
    /// let jane = || NewCustomer::individual("jane@example.org").external_id("usr_7");
    /// assert!(polar.customers().create_or_get(jane()).await?.was_created());
    /// let again = polar.customers().create_or_get(jane()).await?;
    /// assert!(matches!(again, CreateOrGet::Existing(_)));
    ///
    /// // Same external ID, other person: a conflict, not somebody else's customer.
    /// let bob = NewCustomer::individual("bob@example.org").external_id("usr_7");
    /// let err = polar.customers().create_or_get(bob).await.unwrap_err();
    /// assert!(err.is_conflict());
    /// assert_eq!(err.differences()[0].field(), "email");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the customer has neither email nor `external_id` (nothing
    /// would identify an existing one) or breaks a validation rule; [`Error::Conflict`] as above;
    /// otherwise as [`Customers::create`].
    pub fn create_or_get(
        &self,
        customer: NewCustomer,
    ) -> impl Future<Output = Result<CreateOrGet, Error>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            let this = &this;
            if !customer.has_dedup_key() {
                return Err(Error::InvalidInput {
                    problems: vec![InputProblem::new(
                        "email",
                        "create_or_get needs an email or an external_id to recognise an existing customer",
                    )],
                });
            }
            this.validate(&customer)?;
            let asked_at = DateTime::<Utc>::from(std::time::SystemTime::now());
            let finished = this.send_create(&customer).await;
            let error = match finished.result {
                Ok(created) => return Ok(CreateOrGet::Created(created)),
                Err(error) => error,
            };
            let duplicate = error.is_duplicate_email() || error.is_duplicate_external_id();
            if !duplicate && !finished.may_have_landed {
                return Err(error);
            }
            let lookup = this.find_asked(&customer, &error, finished.started);
            let Some(mut found) = Box::pin(lookup).await else {
                return Err(error);
            };
            let differences = differences(&customer, &found);
            if !differences.is_empty() {
                return Err(Error::Conflict {
                    existing: Box::new(found),
                    differences,
                });
            }
            if finished.may_have_landed && found.created_at() >= asked_at - CLOCK_SKEW {
                found.mark_recovered();
                Ok(CreateOrGet::Created(found))
            } else {
                Ok(CreateOrGet::Existing(found))
            }
        }
    }

    /// Checks the customer against Polar's rules; nothing is sent when it breaks one. The customer
    /// is then the request body as it is (it serializes to exactly what Polar expects).
    fn validate(&self, customer: &NewCustomer) -> Result<(), Error> {
        validate(customer, self.core.state().token_kind)
            .map_err(|problems| Error::InvalidInput { problems })
    }

    /// The retry loop around `customers:create`: replay-safe when the body has a dedup key.
    async fn send_create(&self, customer: &NewCustomer) -> Finished<Customer> {
        let op = Operation {
            name: "customers:create",
            replay_safe: customer.has_dedup_key(),
            success_status: 201,
        };
        let api = self.core.api();
        self.core.run(op, || api.customers_create(customer)).await
    }

    /// The call failed after an attempt may have created the customer: return that customer if
    /// it exists and is the one asked for, else the error.
    async fn settle_lost_create(
        &self,
        asked: &NewCustomer,
        error: Error,
        call_started: Instant,
    ) -> Result<Customer, Error> {
        match self.find_asked(asked, &error, call_started).await {
            Some(mut found) if differences(asked, &found).is_empty() => {
                tracing::info!(
                    customer_id = found.id().as_str(),
                    "an attempt whose answer was lost had created the customer; returning it"
                );
                found.mark_recovered();
                Ok(found)
            }
            Some(other) => {
                tracing::info!(
                    customer_id = other.id().as_str(),
                    "another customer holds the key of the one asked for; the error stands"
                );
                Err(error)
            }
            None => Err(error),
        }
    }

    /// Looks up the customer a create names: by `external_id` (or email, when the error says the
    /// email is the duplicate or there is no `external_id`).
    ///
    /// Polar answers reads from a replica that can lag a write by a moment, so a miss (or a failed
    /// lookup, unless the token or the setup is refused) is tried again with the retry policy's
    /// backoff, up to its attempt count, before it counts as absent. Then the caller keeps the
    /// create's error.
    ///
    /// Everything here is part of the create that started at `call_started`: no lookup starts once
    /// its overall deadline has passed, each lookup's attempts are cut to what is left of it, and
    /// no wait is started that would end past it.
    async fn find_asked(
        &self,
        asked: &NewCustomer,
        error: &Error,
        call_started: Instant,
    ) -> Option<Customer> {
        let by_email = asked.email.as_deref().filter(|_| {
            asked.external_id.is_none()
                || (error.is_duplicate_email() && !error.is_duplicate_external_id())
        });
        let state = self.core.state();
        let policy = state.retry;
        let within = Some(call_started);
        for attempt in 1..=policy.attempt_count() {
            if time_left(state, call_started).is_zero() {
                tracing::info!("the call's deadline has passed; the customer is not looked up");
                return None;
            }
            let found = match (by_email, asked.external_id.as_deref()) {
                (Some(email), _) => self.find_by_email_within(email, within).await,
                (None, Some(external_id)) => {
                    match self.get_by_external_id_within(external_id, within).await {
                        Err(Error::NotFound { .. }) => Ok(None),
                        other => other.map(Some),
                    }
                }
                (None, None) => return None,
            };
            let again = match found {
                Ok(Some(customer)) => return Some(customer),
                Ok(None) => true,
                Err(lookup) => {
                    tracing::warn!(error = %lookup, "could not look up the customer a create may have made");
                    // A read is harmless to repeat; only an answer about the token or the
                    // client's setup would come back the same.
                    !matches!(
                        lookup,
                        Error::Unauthorized { .. }
                            | Error::Forbidden { .. }
                            | Error::UnsupportedApiVersion { .. }
                            | Error::InvalidConfig { .. }
                    )
                }
            };
            if !again
                || attempt == policy.attempt_count()
                || !wait_within(state, call_started, policy.backoff_before(attempt + 1)).await
            {
                return None;
            }
        }
        None
    }
}

/// How `found` differs from the customer `asked` for in what identifies it: `external_id`,
/// email (ignoring case) and type. Empty when it is the one asked for.
fn differences(asked: &NewCustomer, found: &Customer) -> Vec<Difference> {
    let mut out = Vec::new();
    let asked_external_id = asked
        .external_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if asked_external_id != found.external_id() {
        out.push(Difference::new(
            "external_id",
            asked_external_id,
            found.external_id(),
        ));
    }
    let asked_email = asked.email.as_deref().filter(|s| !s.is_empty());
    let same = match (asked_email, found.email()) {
        (Some(a), Some(b)) => same_email(a, b),
        (a, b) => a == b,
    };
    if !same {
        out.push(Difference::new("email", asked_email, found.email()));
    }
    let asked_kind = if asked.is_team() {
        CustomerKind::Team
    } else {
        CustomerKind::Individual
    };
    if &asked_kind != found.kind() {
        out.push(Difference::new(
            "type",
            Some(asked_kind.code()),
            Some(found.kind().code()),
        ));
    }
    out
}
