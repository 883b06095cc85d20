//! The codes several resources share: a subscription's [`SubscriptionStatus`] and
//! [`RecurringInterval`] (in a [`Subscription`](crate::Subscription) and in a customer's state)
//! and a benefit's [`BenefitType`] (in a customer's state and in a benefit grant webhook). They
//! live here, below every resource, so that no resource imports another for them.

use crate::open_enum::open_enum;

open_enum! {
    /// The status of a subscription (Polar's `SubscriptionStatus`).
    ///
    /// [`CustomerState::active_subscriptions`](crate::CustomerState::active_subscriptions) only lists `active` and `trialing` subscriptions (a
    /// `past_due` one is left out there, although the customer list's `active` filter counts it).
    /// A status this crate does not know decodes as [`SubscriptionStatus::Other`].
    ///
    /// ```
    /// use polar_client::SubscriptionStatus;
    ///
    /// assert_eq!(SubscriptionStatus::PastDue.code(), "past_due");
    /// ```
    pub enum SubscriptionStatus ("A subscription with status") {
        Incomplete => "incomplete",
        IncompleteExpired => "incomplete_expired",
        Trialing => "trialing",
        Active => "active",
        PastDue => "past_due",
        Canceled => "canceled",
        Unpaid => "unpaid",
        Paused => "paused",
    }
    /// A status this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a subscription status string"
}

open_enum! {
    /// How often a subscription renews (Polar's `RecurringInterval`).
    ///
    /// An interval this crate does not know decodes as [`RecurringInterval::Other`].
    ///
    /// ```
    /// use polar_client::RecurringInterval;
    ///
    /// assert_eq!(RecurringInterval::Month.to_string(), "month");
    /// ```
    pub enum RecurringInterval ("Renews every") {
        Day => "day",
        Week => "week",
        Month => "month",
        Year => "year",
    }
    /// An interval this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a recurring interval string"
}

open_enum! {
    /// The kind of a benefit (Polar's `BenefitType`); Polar adds kinds over time.
    ///
    /// A kind this crate does not know decodes as [`BenefitType::Other`], with its code.
    ///
    /// ```
    /// use polar_client::BenefitType;
    ///
    /// assert_eq!(BenefitType::LicenseKeys.code(), "license_keys");
    /// ```
    pub enum BenefitType ("A benefit of type") {
        Custom => "custom",
        Discord => "discord",
        GithubRepository => "github_repository",
        Downloadables => "downloadables",
        LicenseKeys => "license_keys",
        MeterCredit => "meter_credit",
        FeatureFlag => "feature_flag",
        SlackSharedChannel => "slack_shared_channel",
    }
    /// A benefit kind this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a benefit type string"
}
