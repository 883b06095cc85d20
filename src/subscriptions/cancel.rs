//! Ending a subscription: cancel at period end, take that back (uncancel), revoke now
//! (`subscriptions:update` with the `SubscriptionCancel` variant, `subscriptions:revoke`).

use std::future::Future;

use reqwest::Method;
use serde_json::json;

use super::Subscriptions;
use super::model::Subscription;
use super::update::{Expect, Intent, Replay};
use crate::error::Error;
use crate::id::SubscriptionId;

impl Subscriptions {
    /// Schedules the subscription to end at the end of its current period
    /// (`{"cancel_at_period_end": true}`). It stays `active`, and entitled, until
    /// [`Subscription::ends_at`]; Polar then revokes it.
    ///
    /// **Retries.** A repeat of a cancel that landed is refused by Polar with `403
    /// AlreadyCanceledSubscription`, so the client re-sends after a lost answer; when that refusal
    /// follows an attempt that may have landed, the subscription is read back and the call
    /// succeeds if it is scheduled to end (or has ended). The same refusal without an earlier
    /// ambiguous attempt means it was canceled before this call: it is returned as the
    /// [`Error::Forbidden`] it is ([`Error::polar_error_code`] is
    /// `Some("AlreadyCanceledSubscription")`).
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
    /// let subscription = polar.subscriptions().cancel_at_period_end(&subscription_id).await?;
    /// assert!(subscription.cancel_at_period_end());
    /// assert!(subscription.is_active_or_trialing(), "entitled until it ends");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::NotFound`];
    /// [`Error::Forbidden`] with code `AlreadyCanceledSubscription` when it was already canceled
    /// or scheduled to be before this call; otherwise every failure of [`Error`] (after an
    /// ambiguous failure that the read-back could not confirm,
    /// [`Error::may_have_been_processed`] is true).
    pub fn cancel_at_period_end<I: Into<SubscriptionId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), || {
            let body = json!({"cancel_at_period_end": true});
            Ok(Intent::patch(
                body,
                Replay::RefusedOnceDone,
                Expect::WillEnd,
            ))
        })
    }

    /// Takes back a scheduled cancellation (`{"cancel_at_period_end": false}`): the subscription
    /// renews again.
    ///
    /// **Retries.** A repeat of an uncancel that landed is refused with a bare `400 BadRequest`,
    /// which says nothing; so this call is never re-sent after an attempt that may have landed.
    /// The subscription is read back instead, and the call succeeds if no cancellation is
    /// scheduled any more.
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
    /// polar.subscriptions().cancel_at_period_end(&subscription_id).await?;
    /// let renewed = polar.subscriptions().uncancel(&subscription_id).await?;
    /// assert!(!renewed.cancel_at_period_end());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent); [`Error::RequestRejected`] with status 400 when no
    /// cancellation was scheduled, 410 when the subscription has already ended; otherwise as
    /// [`Subscriptions::cancel_at_period_end`].
    pub fn uncancel<I: Into<SubscriptionId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), || {
            let body = json!({"cancel_at_period_end": false});
            Ok(Intent::patch(body, Replay::ReadBack, Expect::NotCanceling))
        })
    }

    /// Ends the subscription now (`DELETE /v1/subscriptions/{id}`): status `canceled`, benefits
    /// revoked, pending orders voided. Answers the revoked subscription.
    ///
    /// **Retries.** As [`Subscriptions::cancel_at_period_end`]: a repeat is refused with `403
    /// AlreadyCanceledSubscription`, which after an attempt that may have landed is settled by
    /// reading the subscription back (success if it has ended).
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
    /// let revoked = polar.subscriptions().revoke(&subscription_id).await?;
    /// assert!(revoked.is_revoked());
    /// assert!(!revoked.is_active_or_trialing());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Subscriptions::cancel_at_period_end`] (`AlreadyCanceledSubscription` when it had
    /// ended before this call).
    pub fn revoke<I: Into<SubscriptionId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<I> {
        self.intend(id.into(), || {
            Ok(Intent {
                name: "subscriptions:revoke",
                method: Method::DELETE,
                body: None,
                replay: Replay::RefusedOnceDone,
                expect: Expect::Revoked,
            })
        })
    }
}
