//! Customer operations: validate, send through the generated client, classify, recover a lost create.

pub(crate) mod state;
pub(crate) mod update;

use chrono::{DateTime, TimeDelta, Utc};

use progenitor_client::{Error as GeneratedError, ResponseValue};
use serde::de::DeserializeOwned;

use crate::call::{Call, Report};
use crate::classify::{classify_transport, invalid_response};
use crate::client::Polar;
use crate::customer::Customer;
use crate::error::Error;
use crate::new_customer::NewCustomer;
use crate::validate::validate;

/// How far Polar's clock may lag ours before a customer found during recovery counts as older than
/// the create call (and so as a genuine duplicate, not the one a lost attempt made).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(2);

/// Customer operations of one [`Polar`] client, from [`Polar::customers`].
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    polar: &'a Polar,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(polar: &'a Polar) -> Self {
        Self { polar }
    }

    /// Creates a customer, retrying what is safe to retry and never creating it twice.
    ///
    /// The input is validated first; nothing is sent when it is invalid. When an attempt may have
    /// reached Polar but its answer was lost, the request is re-sent only if the body carries a
    /// dedup key (an email or an `external_id`). If Polar then answers that the `external_id` (or,
    /// without one, the email) already exists, the customer the lost attempt created is looked up
    /// and returned ([`Customer::was_recovered`] tells). A customer that existed before the call
    /// (created more than two minutes before it started) is still reported as a duplicate.
    ///
    /// Here against the in-process `polar_client::mock` (feature `mock`); any [`Polar`] client works
    /// the same way:
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
    pub async fn create(&self, customer: NewCustomer) -> Result<Customer, Error> {
        validate(&customer, self.polar.state().token_kind)
            .map_err(|problems| Error::InvalidInput { problems })?;
        let body = customer
            .to_request()
            .map_err(|problems| Error::InvalidInput { problems })?;
        let started = DateTime::<Utc>::from(std::time::SystemTime::now());
        let (result, report) = Call::run(customer.has_dedup_key(), || {
            self.polar.api().customers_create(&body)
        })
        .await;
        let recoverable = report.earlier_attempt_may_have_landed;
        match settle(result, report).await {
            // Boxed: the rare recovery path's lookups would otherwise enlarge every create's future.
            Err(duplicate) if recoverable => {
                Box::pin(self.recover(&customer, started, duplicate)).await
            }
            other => other,
        }
    }

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
    /// [`Error::NotFound`] when no customer has that external ID; otherwise as [`Customers::create`].
    pub async fn get_by_external_id(&self, external_id: &str) -> Result<Customer, Error> {
        let (result, report) = Call::run(true, || {
            self.polar.api().customers_get_external(external_id)
        })
        .await;
        settle(result, report).await
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
        let list = || {
            let api = self.polar.api();
            api.customers_list(None, Some(email), None, None, None, None, None)
        };
        let (result, report) = Call::run(true, list).await;
        let page = settle(result, report).await?;
        Ok(page
            .items
            .into_iter()
            .find(|c| c.email().is_some_and(|e| e.eq_ignore_ascii_case(email))))
    }

    /// A retried create was refused as a duplicate after an earlier attempt may have reached
    /// Polar. If the duplicate is the customer that lost attempt created, return it instead of the
    /// error; a customer that existed before this call stays a duplicate.
    async fn recover(
        &self,
        asked: &NewCustomer,
        started: DateTime<Utc>,
        duplicate: Error,
    ) -> Result<Customer, Error> {
        let lookup = match (asked.external_id.as_deref(), asked.email.as_deref()) {
            (Some(external_id), _) if duplicate.is_duplicate_external_id() => {
                self.get_by_external_id(external_id).await.map(Some)
            }
            (None, Some(email)) if duplicate.is_duplicate_email() => {
                self.find_by_email(email).await
            }
            _ => return Err(duplicate),
        };
        match lookup {
            Ok(Some(mut found)) if found.created_at() >= started - CLOCK_SKEW => {
                tracing::info!(
                    customer_id = found.id(),
                    "a lost create had created the customer; returning it instead of the duplicate error"
                );
                found.mark_recovered();
                Ok(found)
            }
            Ok(_) => Err(duplicate),
            Err(lookup) => {
                tracing::warn!(error = %lookup, "could not look up the customer a lost create may have made");
                Err(duplicate)
            }
        }
    }
}

/// Turns the generated call's result plus the attempt loop's report into ours.
///
/// Every non-2xx response was classified by the loop from its raw bytes (the generated code's
/// typed error bodies know too little); what is left are transport failures and 2xx bodies that
/// did not decode.
async fn settle<T: DeserializeOwned, E>(
    result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
    report: Report,
) -> Result<T, Error> {
    let error = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(e) => e,
    };
    if let Some(classified) = report.error {
        return Err(classified);
    }
    let status = report.status.unwrap_or(200);
    Err(match error {
        GeneratedError::CommunicationError(e)
        | GeneratedError::ResponseBodyError(e)
        | GeneratedError::InvalidUpgrade(e) => classify_transport(
            e,
            report.last_may_have_reached_server,
            report.attempt_timeout,
        ),
        GeneratedError::InvalidResponsePayload(body, e) => invalid_response(status, body, e),
        // A success status the spec does not list (say 200 instead of 201): decode it all the same.
        GeneratedError::UnexpectedResponse(response) => {
            // Boxed, like the recovery path: rare, and kept out of every call's future.
            return Box::pin(decode_unlisted(response)).await;
        }
        GeneratedError::ErrorResponse(_) => Error::InvalidConfig {
            message: format!("HTTP {status} arrived without being classified; please report this"),
        },
        GeneratedError::InvalidRequest(message) | GeneratedError::Custom(message) => {
            Error::InvalidConfig {
                message: format!("the request could not be built: {message}"),
            }
        }
    })
}

/// Decodes a success status the spec does not list, reading the (already buffered) body.
async fn decode_unlisted<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, Error> {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    serde_json::from_slice(&body).map_err(|e| invalid_response(status, body, e))
}
