//! When to try a request again: the caller's retry policy, the pure retry decision and the backoff maths.
//!
//! Nothing here performs I/O or sleeps. The loop (`run.rs`) classifies a failed attempt into an
//! [`Error`](crate::Error), reads its [`Failure`], asks [`decide`] what to do, and waits the returned duration
//! itself.

use std::time::{Duration, SystemTime};

/// How the client retries a request that failed in a way worth trying again.
///
/// Retries never risk a second customer: a create request is only replayed after an ambiguous
/// failure (timeout, connection reset, 408/502/503/504) when its body carries a key Polar
/// deduplicates on (an email or an `external_id`). Errors raised before the request left the
/// machine and `429 Too Many Requests` are always safe to retry.
///
/// The wait between attempts grows exponentially from [`initial_backoff`](Self::initial_backoff),
/// doubling per attempt, capped at [`max_backoff`](Self::max_backoff). With jitter on (the
/// default) each wait is drawn uniformly from the upper half of that value ("equal jitter"): clients
/// that failed together spread out, yet every wait keeps at least half its nominal length.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use polar_client::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_retry_after(Duration::from_secs(2))
///     .overall_deadline(Duration::from_secs(20));
/// # let _ = policy;
/// let no_retries = RetryPolicy::disabled();
/// # let _ = no_retries;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    overall_deadline: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(5),
            overall_deadline: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts in all, backoff from 200 ms doubling up to 5 s, a
    /// `Retry-After` of at most 5 s honoured, 30 s overall, jitter on.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that sends every request exactly once.
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total number of attempts, the first one included; `0` is treated as `1`, and `1` turns
    /// retries off.
    ///
    /// Rate-limited (`429`) answers do not use up attempts: Polar executes nothing before it
    /// rate-limits, so they are retried until the [overall deadline](Self::overall_deadline).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the second attempt; each further wait doubles it.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait computed by the exponential backoff.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` the client waits for on a rate-limited (429) answer.
    ///
    /// Polar's `Retry-After` is the length of its rate-limit window (often 60 s, up to 30 min), not
    /// the time remaining. When it exceeds this cap the client stops at once and returns
    /// [`Error::RateLimited`](crate::Error::RateLimited) carrying the server's value, so the caller
    /// decides how long to wait — unless the client has a
    /// [request budget](crate::RequestBudget) (the default): then every call of the client
    /// pauses for the `Retry-After` (up to [`RequestBudget::max_pause`](crate::RequestBudget::max_pause))
    /// and this call retries after the pause when it ends before the overall deadline.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The time budget across all attempts and the waits between them; no wait is scheduled that
    /// would end at or past it.
    pub fn overall_deadline(mut self, deadline: Duration) -> Self {
        self.overall_deadline = deadline;
        self
    }

    /// Whether waits are randomised (on by default). Turn it off for reproducible timings in tests.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The attempt count, at least 1.
    pub(crate) fn attempt_count(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before attempt `attempt` (2 or more), without jitter.
    pub(crate) fn backoff_before(&self, attempt: u32) -> Duration {
        self.nominal_backoff(attempt.saturating_sub(1))
    }

    /// The time budget of a whole call, all attempts and waits included.
    pub(crate) fn deadline(&self) -> Duration {
        self.overall_deadline
    }

    /// The exponential backoff before attempt `attempt + 1`, without jitter:
    /// `initial_backoff * 2^(attempt - 1)`, capped at `max_backoff`, never overflowing.
    fn nominal_backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1);
        2u32.checked_pow(doublings)
            .and_then(|factor| self.initial_backoff.checked_mul(factor))
            .map_or(self.max_backoff, |wait| wait.min(self.max_backoff))
    }
}

/// Equal jitter: a wait drawn from `[nominal / 2, nominal]`, `unit` being a random number in `[0, 1)`.
///
/// Out-of-range or NaN `unit` values are clamped, so a faulty random source cannot panic.
fn equal_jitter(nominal: Duration, unit: f64) -> Duration {
    let unit = if unit.is_nan() {
        0.0
    } else {
        unit.clamp(0.0, 1.0)
    };
    let half = nominal / 2;
    let spread = nominal - half;
    let extra = Duration::try_from_secs_f64(spread.as_secs_f64() * unit).unwrap_or(spread);
    half.saturating_add(extra.min(spread))
}

/// What a failed attempt means for trying again, read from its classified [`Error`].
///
/// The loop and [`Error::is_retryable`] both read this, so they cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// `429`: Polar rate-limits before it executes anything. Does not use up an attempt.
    RateLimited { retry_after: Option<Duration> },
    /// The request never left the machine (connect refused, DNS failure).
    NotSent,
    /// The request may have been carried out and a new attempt may fare better: a timeout or a
    /// connection lost after sending, 408, 502, 503, 504. Replayed only when `replay_safe`.
    Transient { replay_safe: bool },
    /// An answer a new attempt would not change, or a failure after which replaying is pointless
    /// (500, 501, 4xx, a success whose body could not be read).
    Final,
}

impl Failure {
    /// Whether a new attempt is allowed at all (attempt budget and deadline aside).
    pub(crate) fn may_retry(self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::NotSent => true,
            Self::Transient { replay_safe } => replay_safe,
            Self::Final => false,
        }
    }
}

/// Where the call stands when its latest attempt failed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AttemptContext {
    /// Attempts made so far that count against [`RetryPolicy::max_attempts`]: every attempt but
    /// the rate-limited ones.
    pub attempts: u32,
    /// Rate-limited answers so far (they grow their own backoff).
    pub rate_limited: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
}

/// What the loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Stop and hand this attempt's error to the caller.
    Done,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// Decides whether to try again after a failed attempt, and how long to wait first.
///
/// `jitter_unit` is called at most once, only when a jittered backoff is computed, and must return
/// a number in `[0, 1)` (`fastrand::f64` in production, a constant in tests).
///
/// - A policy of one attempt never retries.
/// - A `429` is retried whatever the attempt count, bounded by the overall deadline, after the
///   longer of the server's `Retry-After` and the backoff for the rate-limited answers so far; a
///   `Retry-After` above [`RetryPolicy::max_retry_after`] ends the call at once.
/// - Every other retryable failure uses up an attempt and waits the exponential backoff.
/// - No wait is scheduled that would end at or past the deadline.
pub(crate) fn decide(
    policy: &RetryPolicy,
    failure: Failure,
    ctx: &AttemptContext,
    jitter_unit: impl FnOnce() -> f64,
) -> Decision {
    if policy.max_attempts <= 1 || !failure.may_retry() {
        return Decision::Done;
    }
    let backoff = |n: u32| {
        let nominal = policy.nominal_backoff(n);
        if policy.jitter {
            equal_jitter(nominal, jitter_unit())
        } else {
            nominal
        }
    };
    let wait = match failure {
        Failure::RateLimited {
            retry_after: Some(wait),
        } if wait > policy.max_retry_after => return Decision::Done,
        Failure::RateLimited { retry_after } => {
            backoff(ctx.rate_limited).max(retry_after.unwrap_or_default())
        }
        _ if ctx.attempts >= policy.max_attempts => return Decision::Done,
        _ => backoff(ctx.attempts),
    };
    match ctx.elapsed.checked_add(wait) {
        Some(wait_ends) if wait_ends < policy.overall_deadline => Decision::RetryAfter(wait),
        _ => Decision::Done,
    }
}

/// The longest `Retry-After` the client reports: one hour. Polar's rate-limit windows are at most
/// 30 minutes; a larger value is a misbehaving server, and a caller adding it to `Instant::now()`
/// must not overflow.
pub(crate) const RETRY_AFTER_CEILING: Duration = Duration::from_secs(60 * 60);

/// Parses a `Retry-After` header value: delta-seconds (`"60"`) or an HTTP-date, clamped to
/// [`RETRY_AFTER_CEILING`].
///
/// A date in the past means "now" (zero). Anything else — negative numbers, fractions, garbage —
/// gives `None`, which the retry loop treats like a missing header.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for u64 saturates: a huge wait is still a huge wait.
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let date = httpdate::parse_http_date(value).ok()?;
        date.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_CEILING))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    const MS: fn(u64) -> Duration = Duration::from_millis;
    const SECS: fn(u64) -> Duration = Duration::from_secs;

    fn ctx(attempts: u32) -> AttemptContext {
        AttemptContext {
            attempts,
            rate_limited: attempts,
            elapsed: Duration::ZERO,
        }
    }

    fn transient(replay_safe: bool) -> Failure {
        Failure::Transient { replay_safe }
    }

    fn rate_limited(retry_after: Option<Duration>) -> Failure {
        Failure::RateLimited { retry_after }
    }

    fn server(status: u16, replay_safe: bool) -> Error {
        Error::Server {
            status,
            body_excerpt: String::new(),
            request_id: None,
            replay_safe,
        }
    }

    fn rejected(status: u16, replay_safe: bool) -> Error {
        Error::RequestRejected {
            status,
            error: None,
            detail: String::new(),
            request_id: None,
            replay_safe,
        }
    }

    fn timeout(may_have_reached_server: bool, replay_safe: bool) -> Error {
        Error::Timeout {
            after: SECS(1),
            may_have_reached_server,
            replay_safe,
        }
    }

    fn exact() -> RetryPolicy {
        RetryPolicy::new().jitter(false)
    }

    fn no_jitter_expected() -> f64 {
        panic!("the jitter source must not be called here")
    }

    #[test]
    fn defaults_match_the_documentation() {
        let p = RetryPolicy::new();
        assert_eq!(p, RetryPolicy::default());
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.initial_backoff, MS(200));
        assert_eq!(p.max_backoff, SECS(5));
        assert_eq!(p.max_retry_after, SECS(5));
        assert_eq!(p.overall_deadline, SECS(30));
        assert!(p.jitter);
    }

    #[test]
    fn every_failure_row() {
        use Decision::{Done, RetryAfter};
        let first_backoff = RetryAfter(MS(200));
        #[rustfmt::skip]
        let rows: &[(&str, Failure, Decision)] = &[
            ("final",                          Failure::Final, Done),
            ("transient, replay-safe",         transient(true), first_backoff),
            ("transient, not replay-safe",     transient(false), Done),
            ("not sent",                       Failure::NotSent, first_backoff),
            ("429 no Retry-After",             rate_limited(None), first_backoff),
            ("429 Retry-After 1s",             rate_limited(Some(SECS(1))), RetryAfter(SECS(1))),
            ("429 Retry-After 0",              rate_limited(Some(Duration::ZERO)), first_backoff),
            ("429 Retry-After at the cap",     rate_limited(Some(SECS(5))), RetryAfter(SECS(5))),
            ("429 Retry-After above the cap",  rate_limited(Some(SECS(60))), Done),
        ];
        for (name, failure, expected) in rows {
            let got = decide(&exact(), *failure, &ctx(1), no_jitter_expected);
            assert_eq!(got, *expected, "{name}");
        }
    }

    #[test]
    fn every_error_row() {
        #[rustfmt::skip]
        let rows: Vec<(Error, Failure)> = vec![
            (server(500, true), Failure::Final),
            (server(501, true), Failure::Final),
            (server(505, true), Failure::Final),
            (server(502, true), transient(true)),
            (server(503, false), transient(false)),
            (server(504, true), transient(true)),
            (rejected(408, true), transient(true)),
            (rejected(408, false), transient(false)),
            (rejected(411, true), Failure::Final),
            (rejected(307, true), Failure::Final),
            (timeout(true, true), transient(true)),
            (timeout(true, false), transient(false)),
            (timeout(false, false), Failure::NotSent),
            (Error::RateLimited { retry_after: Some(SECS(1)), request_id: None, by_budget: false }, rate_limited(Some(SECS(1)))),
            (Error::NotFound { resource: None, message: String::new(), request_id: None }, Failure::Final),
            (Error::InvalidConfig { message: String::new() }, Failure::Final),
        ];
        for (error, expected) in rows {
            assert_eq!(error.failure(), expected, "{error:?}");
            assert_eq!(error.is_retryable(), expected.may_retry(), "{error:?}");
        }
    }

    #[test]
    fn rate_limits_do_not_use_up_attempts() {
        let policy = exact().max_attempts(2);
        let after = |attempts, rate_limited| AttemptContext {
            attempts,
            rate_limited,
            elapsed: Duration::ZERO,
        };
        // Two attempts used up already, ten 429s in a row: still retried.
        assert_eq!(
            decide(
                &policy,
                rate_limited(Some(SECS(1))),
                &after(2, 10),
                no_jitter_expected
            ),
            Decision::RetryAfter(SECS(5)),
            "the rate-limit backoff grows, the server's wait is the floor"
        );
        assert_eq!(
            decide(&policy, Failure::NotSent, &after(2, 10), no_jitter_expected),
            Decision::Done
        );
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let policy = exact().max_attempts(u32::MAX);
        let waits: Vec<_> = (1..=7)
            .map(|attempt| decide(&policy, Failure::NotSent, &ctx(attempt), no_jitter_expected))
            .collect();
        let expected: Vec<_> = [200, 400, 800, 1600, 3200, 5000, 5000]
            .into_iter()
            .map(|ms| Decision::RetryAfter(MS(ms)))
            .collect();
        assert_eq!(waits, expected);
    }

    #[test]
    fn huge_attempt_numbers_do_not_overflow() {
        let policy = exact()
            .max_attempts(u32::MAX)
            .initial_backoff(Duration::MAX)
            .max_backoff(SECS(7));
        for attempt in [31, 32, 33, 64, 1000, u32::MAX - 1] {
            assert_eq!(
                policy.nominal_backoff(attempt),
                SECS(7),
                "attempt {attempt}"
            );
        }
        let policy = exact().max_attempts(u32::MAX);
        let got = decide(&policy, Failure::NotSent, &ctx(1000), no_jitter_expected);
        assert_eq!(got, Decision::RetryAfter(SECS(5)));
        assert_eq!(
            policy.nominal_backoff(0),
            MS(200),
            "attempt 0 is treated as the first"
        );
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let policy = RetryPolicy::new().max_attempts(10);
        for (attempt, nominal) in [(1, MS(200)), (2, MS(400)), (9, SECS(5))] {
            for unit in [0.0, 0.25, 0.5, 0.999_999, 1.0, -3.0, 7.0, f64::NAN] {
                let Decision::RetryAfter(wait) =
                    decide(&policy, Failure::NotSent, &ctx(attempt), || unit)
                else {
                    panic!("expected a retry at attempt {attempt}");
                };
                assert!(
                    wait >= nominal / 2 && wait <= nominal,
                    "{wait:?} for {unit} at {attempt}"
                );
            }
        }
        let at = |unit| decide(&policy, Failure::NotSent, &ctx(1), move || unit);
        assert_eq!(at(0.0), Decision::RetryAfter(MS(100)));
        assert_eq!(at(0.5), Decision::RetryAfter(MS(150)));
    }

    #[test]
    fn jitter_survives_extreme_durations() {
        assert_eq!(equal_jitter(Duration::MAX, 1.0), Duration::MAX);
        assert_eq!(equal_jitter(Duration::MAX, 0.0), Duration::MAX / 2);
        assert_eq!(equal_jitter(Duration::ZERO, 0.7), Duration::ZERO);
        assert_eq!(
            equal_jitter(Duration::from_nanos(1), 1.0),
            Duration::from_nanos(1)
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = exact();
        let at = |attempt| decide(&policy, Failure::NotSent, &ctx(attempt), no_jitter_expected);
        assert_eq!(at(2), Decision::RetryAfter(MS(400)));
        assert_eq!(at(3), Decision::Done);
        assert_eq!(at(4), Decision::Done);

        let disabled = RetryPolicy::disabled();
        assert_eq!(
            decide(&disabled, rate_limited(None), &ctx(1), no_jitter_expected),
            Decision::Done,
            "a disabled policy sends once, rate-limited or not"
        );
        let zero = exact().max_attempts(0);
        assert_eq!(zero.max_attempts, 1);
        assert_eq!(
            decide(&zero, Failure::NotSent, &ctx(1), no_jitter_expected),
            Decision::Done
        );
    }

    #[test]
    fn no_wait_ends_at_or_past_the_deadline() {
        let policy = exact().overall_deadline(SECS(10));
        let at = |elapsed, failure: Failure| {
            let ctx = AttemptContext {
                attempts: 1,
                rate_limited: 1,
                elapsed,
            };
            decide(&policy, failure, &ctx, no_jitter_expected)
        };
        assert_eq!(
            at(MS(9_700), Failure::NotSent),
            Decision::RetryAfter(MS(200))
        );
        assert_eq!(at(MS(9_800), Failure::NotSent), Decision::Done);
        assert_eq!(at(SECS(11), Failure::NotSent), Decision::Done);
        assert_eq!(
            at(SECS(6), rate_limited(Some(SECS(3)))),
            Decision::RetryAfter(SECS(3))
        );
        assert_eq!(at(SECS(6), rate_limited(Some(SECS(4)))), Decision::Done);
        assert_eq!(
            at(Duration::MAX, rate_limited(Some(SECS(1)))),
            Decision::Done,
            "no overflow"
        );
    }

    #[test]
    fn raising_the_retry_after_cap_waits_longer() {
        let policy = exact()
            .max_retry_after(SECS(60))
            .overall_deadline(SECS(120));
        let got = decide(
            &policy,
            rate_limited(Some(SECS(60))),
            &ctx(1),
            no_jitter_expected,
        );
        assert_eq!(got, Decision::RetryAfter(SECS(60)));
    }

    #[test]
    fn parse_retry_after_rows() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        #[rustfmt::skip]
        let rows: &[(&str, Option<Duration>)] = &[
            ("60", Some(SECS(60))),
            ("0", Some(Duration::ZERO)),
            (" 1 ", Some(SECS(1))),
            ("1800", Some(SECS(1800))),
            ("3600", Some(SECS(3600))),
            ("3601", Some(SECS(3600))),
            ("99999999999999999999999999", Some(SECS(3600))),
            ("18446744073709551615", Some(SECS(3600))),
            ("Fri, 31 Dec 9999 23:59:59 GMT", Some(SECS(3600))),
            ("Sun, 06 Nov 1994 09:49:37 GMT", Some(SECS(3600))),
            ("Sun, 06 Nov 1994 09:49:38 GMT", Some(SECS(3600))),
            ("Sat, 06 Nov 1993 08:49:37 GMT", Some(Duration::ZERO)),
            ("Sun, 06 Nov 1994 08:50:07 GMT", Some(SECS(30))),
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(Duration::ZERO)),
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(Duration::ZERO)),
            ("Sunday, 06-Nov-94 08:49:47 GMT", Some(SECS(10))),
            ("-5", None),
            ("+5", None),
            ("1.5", None),
            ("", None),
            ("   ", None),
            ("soon", None),
            ("６０", None),
        ];
        for (value, expected) in rows {
            assert_eq!(parse_retry_after(value, now), *expected, "{value:?}");
        }
    }
}
