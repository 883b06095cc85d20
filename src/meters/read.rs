//! The read operations of [`Meters`] and [`CustomerMeters`] other than their lists (`list.rs`),
//! with the checks Polar would refuse a request for (IDs, the interval-range rule of quantities).

use std::future::Future;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::de::DeserializeOwned;

use super::{CustomerMeter, CustomerMeters, Meter, MeterQuantities, Meters};
use crate::core::Core;
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::{CustomerId, MeterId};
use crate::ids::checked_uuid;
use crate::validate::Checker;

/// The bucket size of [`Meters::quantities`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeterInterval {
    /// Hourly buckets; the range may span at most 7 days.
    Hour,
    /// Daily buckets; at most 366 days.
    Day,
    /// Weekly buckets; at most 371 days.
    Week,
    /// Monthly buckets; at most 4 years (4 × 365 days).
    Month,
    /// Yearly buckets; at most 10 years (10 × 365 days).
    Year,
}

impl MeterInterval {
    fn code(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// The longest range Polar accepts for this interval.
    fn max_range(self) -> TimeDelta {
        match self {
            Self::Hour => TimeDelta::days(7),
            Self::Day => TimeDelta::days(366),
            Self::Week => TimeDelta::days(371),
            Self::Month => TimeDelta::days(4 * 365),
            Self::Year => TimeDelta::days(10 * 365),
        }
    }
}

/// Which customer's usage a read is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageCustomer {
    /// By Polar's customer ID.
    Id(CustomerId),
    /// By your external customer ID.
    External(String),
}

impl UsageCustomer {
    pub(super) fn pair(&self) -> (String, String) {
        match self {
            Self::Id(id) => ("customer_id".to_owned(), id.to_string()),
            Self::External(id) => ("external_customer_id".to_owned(), id.clone()),
        }
    }

    pub(super) fn check(&self, check: &mut Checker) {
        match self {
            Self::Id(id) => check.customer_id("customer_id", id),
            Self::External(id) if id.is_empty() => {
                check.report("external_customer_id", "is empty.");
            }
            Self::External(id) => {
                check.clean("external_customer_id", id);
            }
        }
    }
}

/// Runs one `GET` through the retry loop.
async fn get<T: DeserializeOwned>(
    core: &Core,
    operation: &'static str,
    operation_id: &'static str,
    path: &str,
    query: &[(String, String)],
) -> Result<T, Error> {
    let api = core.api();
    let request = Request::get(operation_id, path, query);
    core.run(Operation::read(operation), || send(api, &request))
        .await
        .result
}

fn finish(check: Checker) -> Result<(), Error> {
    check
        .finish()
        .map_err(|problems| Error::InvalidInput { problems })
}

impl Meters {
    /// The meter with this ID.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `id` is not a UUID; [`Error::NotFound`] when the organization
    /// has no such meter; otherwise the errors of every read.
    pub fn get<I: Into<MeterId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Meter, Error>> + Send + 'static + use<I> {
        let core = self.core.clone();
        let id: MeterId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let path = format!("/v1/meters/{id}");
            get(&core, "meters:get", "meters_get", &path, &[])
                .await
                .map_err(|e| e.looking_for(|| format!("meter {id}")))
        }
    }

    /// The meter's quantities from `start` to `end` in `interval` buckets (by the events'
    /// timestamps), for every customer or for one. Polar refuses ranges longer than the interval
    /// allows (7 days of hours, 366 of days, 371 of weeks, 4 years of months, 10 of years) and
    /// starts before 2023; those are refused here, before sending.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let meter = mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use chrono::{TimeDelta, Utc};
    /// use polar_client::{Error, MeterInterval};
    ///
    /// let end = Utc::now();
    /// let day = polar.meters().quantities(meter, end - TimeDelta::days(1), end, MeterInterval::Hour, None).await?;
    /// assert_eq!(day.total(), 0.0);
    ///
    /// // A month of hours is more than Polar answers.
    /// let err = polar
    ///     .meters()
    ///     .quantities(meter, end - TimeDelta::days(30), end, MeterInterval::Hour, None)
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput { .. }));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for a bad ID, an end before the start, a start
    /// before 2023-01-01 or a range too long for the interval; otherwise the errors of every read.
    pub fn quantities<I: Into<MeterId>>(
        &self,
        id: I,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        interval: MeterInterval,
        customer: Option<UsageCustomer>,
    ) -> impl Future<Output = Result<MeterQuantities, Error>> + Send + 'static + use<I> {
        let core = self.core.clone();
        let id: MeterId = id.into();
        async move {
            let mut check = Checker::default();
            check.uuid("id", &id);
            let earliest = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).single();
            if earliest.is_some_and(|earliest| start < earliest) {
                check.report("start_timestamp", "Polar has no usage before 2023-01-01.");
            }
            if end < start {
                check.report("end_timestamp", "is before start_timestamp.");
            } else if end - start > interval.max_range() {
                check.report(
                    "interval",
                    format!(
                        "a {} interval covers at most {} days; choose a larger interval or a shorter range.",
                        interval.code(),
                        interval.max_range().num_days()
                    ),
                );
            }
            if let Some(customer) = &customer {
                customer.check(&mut check);
            }
            finish(check)?;
            let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let mut query = vec![
                ("start_timestamp".to_owned(), stamp(start)),
                ("end_timestamp".to_owned(), stamp(end)),
                ("interval".to_owned(), interval.code().to_owned()),
            ];
            query.extend(customer.as_ref().map(UsageCustomer::pair));
            let path = format!("/v1/meters/{}/quantities", checked_uuid("id", &id)?);
            get(
                &core,
                "meters:quantities",
                "meters_quantities",
                &path,
                &query,
            )
            .await
        }
    }
}

impl CustomerMeters {
    /// The customer meter with this ID ([`CustomerMeter::id`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `id` is not a UUID; [`Error::NotFound`] when there is no such
    /// customer meter; otherwise the errors of every read.
    pub fn get<I: Into<String>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<CustomerMeter, Error>> + Send + 'static + use<I> {
        let core = self.core.clone();
        let id = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let path = format!("/v1/customer-meters/{id}");
            get(
                &core,
                "customer_meters:get",
                "customer_meters_get",
                &path,
                &[],
            )
            .await
            .map_err(|e| e.looking_for(|| format!("customer meter {id}")))
        }
    }
}
