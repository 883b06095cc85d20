//! Changing what a subscription is: product, seats, discount, metadata (`subscriptions:update`
//! with one variant per call).

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::json;

use super::Subscriptions;
use super::model::{Proration, Subscription, TrialEnd};
use super::update::{Expect, Intent, Replay};
use crate::error::Error;
use crate::id::{ProductId, SubscriptionId};
use crate::ids::checked_uuid;
use crate::metadata::MetadataValue;
use crate::validate::InputProblem;

impl Subscriptions {
    /// Moves the subscription to another product, billed as `proration` says (a required
    /// choice: [`Proration::Invoice`] and [`Proration::Reset`] charge the customer during the
    /// request).
    ///
    /// **Retries.** Never re-sent after an attempt that may have landed: a second `invoice` or
    /// `reset` change would charge again. The subscription is read back instead; the call
    /// succeeds when it shows the new product (or, for [`Proration::NextPeriod`], the change
    /// scheduled). When the read cannot show it, the attempt's error is returned and
    /// [`Error::may_have_been_processed`] says the change (and a charge) may have happened: read
    /// the subscription before deciding to send it again.
    ///
    /// A declined card is [`Error::PaymentFailed`]: Polar rolled the change back, nothing changed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// # let product = mock.add_product(polar_client_mock::MockProduct::monthly("Pro", 1900));
    /// # let bought = mock.subscribe(polar_client_mock::Buyer::new("jane@example.org"), product)?;
    /// # let subscription_id = bought.subscription.unwrap()["id"].as_str().unwrap().to_owned();
    /// use polar_client_mock::MockProduct;
    /// use polar_client::Proration;
    ///
    /// let team = mock.add_product(MockProduct::monthly("Team", 4900));
    /// let moved = polar
    ///     .subscriptions()
    ///     .change_product(&subscription_id, team, Proration::Prorate)
    ///     .await?;
    /// assert_eq!(moved.product_id().map(|p| p.to_string()), Some(team.to_string()));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when an ID is not a UUID; [`Error::PaymentFailed`];
    /// [`Error::Forbidden`] (`AlreadyCanceledSubscription`) when it is revoked or scheduled to
    /// cancel; [`Error::Validation`] for a product Polar refuses; otherwise every failure of
    /// [`Error`].
    pub fn change_product<I: Into<SubscriptionId>, P: Into<ProductId>>(
        &self,
        id: I,
        product_id: P,
        proration: Proration,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I, P> {
        let this = self.clone();
        let id: SubscriptionId = id.into();
        let product_id: ProductId = product_id.into();
        async move {
            let (id, product) = both_ids(&id, &product_id)?;
            let intent = Intent::patch(
                json!({"product_id": product.to_string(), "proration_behavior": proration.code()}),
                Replay::ReadBack,
                Expect::Product {
                    id: ProductId::from(product),
                    scheduled: proration == Proration::NextPeriod,
                },
            );
            this.apply(id, intent).await
        }
    }

    /// Sets the seat count of a seat-based subscription, billed as `proration` says.
    ///
    /// **Retries.** As [`Subscriptions::change_product`]: never re-sent after an attempt that
    /// may have landed; settled by reading the seat count back.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::Proration;
    ///
    /// let subscription = polar
    ///     .subscriptions()
    ///     .seats("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11", 12, Proration::Prorate)
    ///     .await?;
    /// assert_eq!(subscription.seats(), Some(12));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for a seat count of 0 or an ID that is not a UUID;
    /// [`Error::RequestRejected`] (400) for seat rules (`NotASeatBasedSubscription`,
    /// `BelowMinimumSeats`, `SeatsAlreadyAssigned`, …); otherwise as
    /// [`Subscriptions::change_product`].
    pub fn seats<I: Into<SubscriptionId>>(
        &self,
        id: I,
        seats: u32,
        proration: Proration,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), move || {
            if seats == 0 {
                return Err(Error::InvalidInput {
                    problems: vec![InputProblem::new("seats", "must be at least 1.")],
                });
            }
            Ok(Intent::patch(
                json!({"seats": seats, "proration_behavior": proration.code()}),
                Replay::ReadBack,
                Expect::Seats {
                    seats,
                    scheduled: proration == Proration::NextPeriod,
                },
            ))
        })
    }

    /// Applies a discount (`Some(id)`) or removes it (`None`; takes effect next cycle).
    ///
    /// **Retries.** Polar refuses the same discount again with a 422 ("already applied"), so a
    /// repeat would turn a success into an error: never re-sent after an attempt that may have
    /// landed; settled by reading the subscription's discount back.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// let subscription = polar
    ///     .subscriptions()
    ///     .discount("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11", Some("8b0c2a4e-1d3f-4a5b-9c7d-0e1f2a3b4c5d"))
    ///     .await?;
    /// assert!(subscription.discount_id().is_some());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when an ID is not a UUID; [`Error::Validation`]
    /// when Polar refuses the discount (not applicable, or already applied before this call);
    /// otherwise as [`Subscriptions::change_product`].
    pub fn discount<I: Into<SubscriptionId>>(
        &self,
        id: I,
        discount_id: Option<&str>,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        let discount = discount_id.map(str::to_owned);
        self.intend(id.into(), move || {
            let discount = match discount {
                Some(d) => Some(checked_uuid("discount_id", &d)?.to_string()),
                None => None,
            };
            Ok(Intent::patch(
                json!({ "discount_id": discount }),
                Replay::ReadBack,
                Expect::Discount(discount),
            ))
        })
    }

    /// Replaces the subscription's whole metadata map with `metadata`.
    ///
    /// **Retries.** The same map again changes nothing (Polar sends one more
    /// `subscription.updated`), so failures that may pass are re-sent; an ambiguous end is
    /// settled by reading the metadata back.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use std::collections::BTreeMap;
    /// use polar_client::MetadataValue;
    ///
    /// let mut metadata = BTreeMap::new();
    /// metadata.insert("plan".to_owned(), MetadataValue::from("pro"));
    /// polar.subscriptions().metadata("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11", metadata).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::Validation`] for
    /// metadata Polar refuses; otherwise every failure of [`Error`].
    pub fn metadata<I: Into<SubscriptionId>>(
        &self,
        id: I,
        metadata: BTreeMap<String, MetadataValue>,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), move || {
            let body = json!({ "metadata": metadata });
            Ok(Intent::patch(
                body,
                Replay::Harmless,
                Expect::Metadata(metadata),
            ))
        })
    }
}

impl Subscriptions {
    /// Ends the trial now ([`TrialEnd::Now`]: the subscription turns `active` and Polar starts
    /// and bills a new period at once) or moves its end ([`TrialEnd::At`], a future time; an
    /// `active` subscription gets a trial when the time is after its current period's end).
    ///
    /// **Retries.** Ending a trial now bills the customer, and a repeat is refused (422 "not
    /// currently trialing"): never re-sent after an attempt that may have landed; settled by
    /// reading the subscription back.
    ///
    /// ```no_run
    /// # async fn run(polar: polar_client::Polar) -> Result<(), polar_client::Error> {
    /// use polar_client::TrialEnd;
    ///
    /// let subscription = polar
    ///     .subscriptions()
    ///     .trial("2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11", TrialEnd::Now)
    ///     .await?;
    /// assert!(subscription.is_active_or_trialing());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID or the time is not in the
    /// future; [`Error::Forbidden`] (`InactiveSubscription`) when it is neither active nor
    /// trialing; [`Error::Validation`] at `trial_end` when it is not trialing (for `Now`) or the
    /// time is not after the current period's end; otherwise as
    /// [`Subscriptions::change_product`].
    pub fn trial<I: Into<SubscriptionId>>(
        &self,
        id: I,
        end: TrialEnd,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), move || {
            let value = match end {
                TrialEnd::Now => json!("now"),
                TrialEnd::At(at)
                    if at > chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()) =>
                {
                    json!(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                }
                TrialEnd::At(_) => {
                    return Err(Error::InvalidInput {
                        problems: vec![InputProblem::new("trial_end", "must be in the future.")],
                    });
                }
            };
            let body = json!({ "trial_end": value });
            Ok(Intent::patch(body, Replay::ReadBack, Expect::Trial(end)))
        })
    }
}

/// Both IDs of a product change, checked together (every problem reported at once).
fn both_ids(id: &str, product_id: &str) -> Result<(uuid::Uuid, uuid::Uuid), Error> {
    match (
        checked_uuid("id", id),
        checked_uuid("product_id", product_id),
    ) {
        (Ok(id), Ok(product)) => Ok((id, product)),
        (Err(a), Err(b)) => Err(Error::InvalidInput {
            problems: a.problems().iter().chain(b.problems()).cloned().collect(),
        }),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}
