//! The one path every subscription update takes: send one intent (a `PATCH` body holding exactly
//! one of Polar's update variants, or the revoke `DELETE`) through the retry loop, then settle a
//! call whose attempts may have landed by reading the subscription back.
//!
//! What a retry may do is data, per intent ([`Replay`]), not code: the loop's `replay_safe` comes
//! from it, and so does the settle step. The rule where money moves: an intent Polar would carry
//! out twice (a product change that charges, a discount, an uncancel, a seat change) is **never**
//! re-sent after an attempt that may have landed; the subscription is read instead, and the call
//! succeeds only if the read shows the change. Otherwise the attempt's own error is returned,
//! which says the request may have been carried out ([`Error::may_have_been_processed`]).

use std::collections::BTreeMap;
use std::future::Future;

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::model::{Subscription, TrialEnd};
use super::{Subscriptions, path_of};
use crate::core::request::{Request, send};
use crate::core::run::{Operation, time_left};
use crate::error::Error;
use crate::id::{ProductId, SubscriptionId};
use crate::ids::checked_uuid;
use crate::metadata::MetadataValue;
use crate::models::SubscriptionStatus;

/// What sending an intent again after an attempt that may have landed would do, and so what the
/// loop may do and how the call is settled (Polar's answers to a second identical request,
/// `server/polar/subscription/service.py`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Nothing twice (the same metadata again; only one more `subscription.updated`): the loop
    /// may re-send.
    Harmless,
    /// Polar refuses the repeat with `403 AlreadyCanceledSubscription` (cancel, revoke): the loop
    /// may re-send, and that refusal after an attempt that may have landed is settled by reading.
    RefusedOnceDone,
    /// A repeat could act again or answer something misleading (a second proration charge, a
    /// `400` after an uncancel that landed, a `422` "already applied"): never re-sent after an
    /// attempt that may have landed; settled by reading.
    ReadBack,
}

/// What the subscription read back must show for the intent to count as carried out.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expect {
    /// It will end or has ended (cancel at period end).
    WillEnd,
    /// It has ended (revoke).
    Revoked,
    /// No cancellation is scheduled and it has not ended (uncancel).
    NotCanceling,
    /// On this product, or (for a next-period change) scheduled to switch to it.
    Product { id: ProductId, scheduled: bool },
    /// With this many seats, or (for a next-period change) scheduled to have them.
    Seats { seats: u32, scheduled: bool },
    /// With this discount (or none).
    Discount(Option<String>),
    /// With exactly this metadata.
    Metadata(BTreeMap<String, MetadataValue>),
    /// Its trial ended now, or ends at this time (to the second).
    Trial(TrialEnd),
}

impl Expect {
    /// Whether `found` shows the intent carried out.
    fn holds(&self, found: &Subscription) -> bool {
        let ended = found.ended_at().is_some() || found.is_revoked();
        let pending = found.pending_update().filter(|_| self.scheduled());
        match self {
            Self::WillEnd => found.cancel_at_period_end() || ended,
            Self::Revoked => found.status() == &SubscriptionStatus::Canceled || ended,
            Self::NotCanceling => !found.cancel_at_period_end() && !ended,
            Self::Product { id, .. } => {
                found.product_id() == Some(id)
                    || pending.is_some_and(|p| p.product_id() == Some(id))
            }
            Self::Seats { seats, .. } => {
                found.seats() == Some(*seats) || pending.is_some_and(|p| p.seats() == Some(*seats))
            }
            Self::Discount(id) => found.discount_id() == id.as_deref(),
            Self::Metadata(map) => found.metadata() == map,
            Self::Trial(TrialEnd::Now) => {
                found.status() != &SubscriptionStatus::Trialing && found.trial_end().is_some()
            }
            Self::Trial(TrialEnd::At(at)) => found
                .trial_end()
                .is_some_and(|end| (end - *at).num_seconds().abs() < 1),
        }
    }

    /// Whether the intent may also be met by a change Polar scheduled for the next renewal.
    fn scheduled(&self) -> bool {
        matches!(
            self,
            Self::Product {
                scheduled: true,
                ..
            } | Self::Seats {
                scheduled: true,
                ..
            }
        )
    }
}

/// One update intent: how it is sent, what a retry may do, what settles it.
#[derive(Debug)]
pub(crate) struct Intent {
    /// Polar's operation id, for logs (`subscriptions:update`, `subscriptions:revoke`).
    pub(crate) name: &'static str,
    /// `PATCH` with `body`, or `DELETE` (revoke).
    pub(crate) method: Method,
    /// The body: exactly one update variant's keys.
    pub(crate) body: Option<Value>,
    pub(crate) replay: Replay,
    pub(crate) expect: Expect,
}

impl Intent {
    /// A `PATCH` with this body.
    pub(crate) fn patch(body: Value, replay: Replay, expect: Expect) -> Self {
        Self {
            name: "subscriptions:update",
            method: Method::PATCH,
            body: Some(body),
            replay,
            expect,
        }
    }
}

impl Subscriptions {
    /// What every update call returns: a future that checks `id` (a UUID), then builds the intent
    /// (`intent` refuses input of its own with [`Error::InvalidInput`]; nothing is sent then),
    /// then applies it. Owns a clone of the handle, so it is `'static`.
    pub(crate) fn intend<F>(
        &self,
        id: SubscriptionId,
        intent: F,
    ) -> impl Future<Output = Result<Subscription, Error>> + Send + 'static + use<F>
    where
        F: FnOnce() -> Result<Intent, Error> + Send + 'static,
    {
        let this = self.clone();
        async move {
            let id = checked_uuid("id", &id)?;
            this.apply(id, intent()?).await
        }
    }

    /// Sends `intent` for the subscription `id` and settles the call (see the module docs).
    pub(crate) async fn apply(&self, id: Uuid, intent: Intent) -> Result<Subscription, Error> {
        let api = self.core.api();
        let path = path_of(&id);
        let request = Request {
            operation_id: if intent.method == Method::DELETE {
                "subscriptions_revoke"
            } else {
                "subscriptions_update"
            },
            method: intent.method.clone(),
            path: &path,
            query: &[],
            body: intent.body.as_ref(),
            success: 200,
        };
        let op = Operation {
            name: intent.name,
            replay_safe: intent.replay != Replay::ReadBack,
            success_status: 200,
        };
        let finished = self.core.run(op, || send(api, &request)).await;
        let error = match finished.result {
            Ok(subscription) => return Ok(subscription),
            Err(error) => error,
        };
        let what = || format!("subscription {id}");
        if !finished.may_have_landed {
            return Err(error.looking_for(what));
        }
        if time_left(self.core.state(), finished.started).is_zero() {
            tracing::info!("the call's deadline has passed; the subscription is not read back");
            return Err(error);
        }
        // Boxed: the rare settle path stays out of every update's future.
        let read = Box::pin(self.read(&id, Some(finished.started))).await;
        match read.result {
            Ok(found) if intent.expect.holds(&found) => {
                tracing::info!(
                    subscription_id = %id,
                    "an attempt whose answer was lost had carried out the update; returning the subscription read back"
                );
                Ok(found)
            }
            Ok(_) => {
                tracing::warn!(
                    subscription_id = %id,
                    "the subscription read back does not show the update; it may still have been carried out"
                );
                Err(error)
            }
            Err(read_error) => {
                tracing::warn!(error = %read_error, "could not read the subscription back after an ambiguous update");
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(json: &str) -> Subscription {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn expectations_read_the_subscription() {
        let id = r#""id":"2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11""#;
        let scheduled = sub(&format!(
            r#"{{{id},"status":"active","cancel_at_period_end":true}}"#
        ));
        assert!(Expect::WillEnd.holds(&scheduled));
        assert!(!Expect::NotCanceling.holds(&scheduled));
        assert!(!Expect::Revoked.holds(&scheduled));
        let pending = sub(&format!(
            r#"{{{id},"product_id":"5b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d","pending_update":{{"product_id":"6b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d","seats":null}}}}"#
        ));
        let target = ProductId::from("6b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d");
        assert!(
            Expect::Product {
                id: target.clone(),
                scheduled: true
            }
            .holds(&pending)
        );
        assert!(
            !Expect::Product {
                id: target,
                scheduled: false
            }
            .holds(&pending)
        );
    }
}
