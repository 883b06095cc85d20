//! When to try a request again: the caller's retry policy, the pure retry decision and the backoff maths.
//!
//! Nothing here performs I/O or sleeps. The network loop reports what happened on one attempt as an
//! [`AttemptOutcome`], asks [`decide`] what to do, and waits the returned duration itself.

use std::fmt;
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

    /// Total number of attempts, the first one included; `0` is treated as `1`.
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
    /// decides how long to wait.
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

/// What happened on one attempt, as the network loop saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttemptOutcome {
    /// The server answered with this status (and `Retry-After`, parsed, when present).
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request never left the machine: connect refused, DNS failure.
    NotSent,
    /// A timeout, reset or incomplete response after the request may have reached the server.
    MaybeSent { timed_out: bool },
}

impl AttemptOutcome {
    /// Whether the server may have acted on the request: everything but a request that never left
    /// and a 429 (Polar rate-limits before it executes anything).
    pub(crate) fn may_have_been_acted_on(&self) -> bool {
        !matches!(self, Self::NotSent | Self::Status { status: 429, .. })
    }
}

/// Why an attempt ended, for log lines: never a body or a header.
impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status { status, .. } => write!(f, "HTTP {status}"),
            Self::NotSent => f.write_str("could not connect"),
            Self::MaybeSent { timed_out: true } => f.write_str("timed out"),
            Self::MaybeSent { timed_out: false } => f.write_str("connection failed after sending"),
        }
    }
}

/// Where the request stands when its latest attempt ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttemptContext {
    /// The attempt just made, 1-based.
    pub attempt: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
    /// Whether replaying the request cannot create a second resource: a GET, or a create body
    /// carrying an email or an `external_id`.
    pub replay_safe: bool,
}

/// What the network loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Stop and hand this attempt's outcome to the caller.
    Done,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// Whether an outcome may be retried at all, and the wait the server asked for, if any.
enum Verdict {
    Final,
    Retry { server_wait: Option<Duration> },
}

fn verdict(outcome: &AttemptOutcome, replay_safe: bool) -> Verdict {
    match *outcome {
        AttemptOutcome::NotSent => Verdict::Retry { server_wait: None },
        AttemptOutcome::MaybeSent { .. } if replay_safe => Verdict::Retry { server_wait: None },
        AttemptOutcome::MaybeSent { .. } => Verdict::Final,
        // Rate limiting runs before anything executes: always safe to replay.
        AttemptOutcome::Status {
            status: 429,
            retry_after,
        } => Verdict::Retry {
            server_wait: retry_after,
        },
        // The request may have executed; replay only when it cannot create a duplicate.
        AttemptOutcome::Status {
            status: 408 | 502 | 503 | 504,
            retry_after,
        } if replay_safe => Verdict::Retry {
            server_wait: retry_after,
        },
        // 500 means the server failed while handling the request: it may have half-done it and
        // a replay is unlikely to fare better. Everything else is an answer, not a hiccup.
        AttemptOutcome::Status { .. } => Verdict::Final,
    }
}

/// Decides whether to try again after an attempt, and how long to wait first.
///
/// `jitter_unit` is called at most once, only when a jittered backoff is computed, and must return a
/// number in `[0, 1)` (`fastrand::f64` in production, a constant in tests). A server-sent
/// `Retry-After` is honoured exactly when it is within [`RetryPolicy::max_retry_after`]; above it
/// the attempt is final.
pub(crate) fn decide(
    policy: &RetryPolicy,
    outcome: &AttemptOutcome,
    ctx: &AttemptContext,
    jitter_unit: impl FnOnce() -> f64,
) -> Decision {
    if ctx.attempt >= policy.max_attempts {
        return Decision::Done;
    }
    let wait = match verdict(outcome, ctx.replay_safe) {
        Verdict::Final => return Decision::Done,
        Verdict::Retry {
            server_wait: Some(wait),
        } if wait > policy.max_retry_after => return Decision::Done,
        Verdict::Retry {
            server_wait: Some(wait),
        } => wait,
        Verdict::Retry { server_wait: None } => {
            let nominal = policy.nominal_backoff(ctx.attempt);
            if policy.jitter {
                equal_jitter(nominal, jitter_unit())
            } else {
                nominal
            }
        }
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

    const MS: fn(u64) -> Duration = Duration::from_millis;
    const SECS: fn(u64) -> Duration = Duration::from_secs;

    fn ctx(attempt: u32, replay_safe: bool) -> AttemptContext {
        AttemptContext {
            attempt,
            elapsed: Duration::ZERO,
            replay_safe,
        }
    }

    fn status(status: u16) -> AttemptOutcome {
        AttemptOutcome::Status {
            status,
            retry_after: None,
        }
    }

    fn rate_limited(after: Option<Duration>) -> AttemptOutcome {
        AttemptOutcome::Status {
            status: 429,
            retry_after: after,
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
    fn every_outcome_row() {
        use Decision::{Done, RetryAfter};
        let first_backoff = RetryAfter(MS(200));
        #[rustfmt::skip]
        let rows: &[(&str, AttemptOutcome, bool, Decision)] = &[
            ("201 created",                    status(201), true,  Done),
            ("200 ok",                         status(200), false, Done),
            ("307 redirect",                   status(307), true,  Done),
            ("400",                            status(400), true,  Done),
            ("401",                            status(401), true,  Done),
            ("403",                            status(403), true,  Done),
            ("404",                            status(404), true,  Done),
            ("411",                            status(411), true,  Done),
            ("413",                            status(413), true,  Done),
            ("422 duplicate",                  status(422), true,  Done),
            ("500 safe",                       status(500), true,  Done),
            ("500 unsafe",                     status(500), false, Done),
            ("501",                            status(501), true,  Done),
            ("408 safe",                       status(408), true,  first_backoff),
            ("408 unsafe",                     status(408), false, Done),
            ("502 safe",                       status(502), true,  first_backoff),
            ("502 unsafe",                     status(502), false, Done),
            ("503 safe",                       status(503), true,  first_backoff),
            ("503 unsafe",                     status(503), false, Done),
            ("504 safe",                       status(504), true,  first_backoff),
            ("504 unsafe",                     status(504), false, Done),
            ("429 no Retry-After, unsafe",     rate_limited(None), false, first_backoff),
            ("429 Retry-After 1s",             rate_limited(Some(SECS(1))), false, RetryAfter(SECS(1))),
            ("429 Retry-After 0",              rate_limited(Some(Duration::ZERO)), true, RetryAfter(Duration::ZERO)),
            ("429 Retry-After at the cap",     rate_limited(Some(SECS(5))), true, RetryAfter(SECS(5))),
            ("429 Retry-After above the cap",  rate_limited(Some(SECS(60))), true, Done),
            ("503 Retry-After 2s, safe",       AttemptOutcome::Status { status: 503, retry_after: Some(SECS(2)) }, true, RetryAfter(SECS(2))),
            ("503 Retry-After 2s, unsafe",     AttemptOutcome::Status { status: 503, retry_after: Some(SECS(2)) }, false, Done),
            ("not sent, unsafe",               AttemptOutcome::NotSent, false, first_backoff),
            ("not sent, safe",                 AttemptOutcome::NotSent, true, first_backoff),
            ("reset after send, safe",         AttemptOutcome::MaybeSent { timed_out: false }, true, first_backoff),
            ("reset after send, unsafe",       AttemptOutcome::MaybeSent { timed_out: false }, false, Done),
            ("timeout, safe",                  AttemptOutcome::MaybeSent { timed_out: true }, true, first_backoff),
            ("timeout, unsafe",                AttemptOutcome::MaybeSent { timed_out: true }, false, Done),
        ];
        for (name, outcome, safe, expected) in rows {
            let got = decide(&exact(), outcome, &ctx(1, *safe), no_jitter_expected);
            assert_eq!(got, *expected, "{name}");
        }
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let policy = exact().max_attempts(u32::MAX);
        let waits: Vec<_> = (1..=7)
            .map(|attempt| {
                decide(
                    &policy,
                    &AttemptOutcome::NotSent,
                    &ctx(attempt, false),
                    no_jitter_expected,
                )
            })
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
        let got = decide(
            &policy,
            &AttemptOutcome::NotSent,
            &ctx(1000, false),
            no_jitter_expected,
        );
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
                let Decision::RetryAfter(wait) = decide(
                    &policy,
                    &AttemptOutcome::NotSent,
                    &ctx(attempt, false),
                    || unit,
                ) else {
                    panic!("expected a retry at attempt {attempt}");
                };
                assert!(
                    wait >= nominal / 2 && wait <= nominal,
                    "{wait:?} for {unit} at {attempt}"
                );
            }
        }
        let at = |unit| {
            decide(
                &policy,
                &AttemptOutcome::NotSent,
                &ctx(1, false),
                move || unit,
            )
        };
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
    fn server_waits_are_not_jittered() {
        let policy = RetryPolicy::new();
        let got = decide(
            &policy,
            &rate_limited(Some(SECS(2))),
            &ctx(1, false),
            no_jitter_expected,
        );
        assert_eq!(got, Decision::RetryAfter(SECS(2)));
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = exact();
        let at = |attempt| {
            decide(
                &policy,
                &AttemptOutcome::NotSent,
                &ctx(attempt, true),
                no_jitter_expected,
            )
        };
        assert_eq!(at(2), Decision::RetryAfter(MS(400)));
        assert_eq!(at(3), Decision::Done);
        assert_eq!(at(4), Decision::Done);

        let disabled = RetryPolicy::disabled();
        assert_eq!(
            decide(
                &disabled,
                &rate_limited(None),
                &ctx(1, true),
                no_jitter_expected
            ),
            Decision::Done
        );
        let zero = exact().max_attempts(0);
        assert_eq!(zero.max_attempts, 1);
        assert_eq!(
            decide(
                &zero,
                &AttemptOutcome::NotSent,
                &ctx(1, true),
                no_jitter_expected
            ),
            Decision::Done
        );
    }

    #[test]
    fn no_wait_ends_at_or_past_the_deadline() {
        let policy = exact().overall_deadline(SECS(10));
        let at = |elapsed, outcome: AttemptOutcome| {
            let ctx = AttemptContext {
                attempt: 1,
                elapsed,
                replay_safe: true,
            };
            decide(&policy, &outcome, &ctx, no_jitter_expected)
        };
        assert_eq!(
            at(MS(9_700), AttemptOutcome::NotSent),
            Decision::RetryAfter(MS(200))
        );
        assert_eq!(at(MS(9_800), AttemptOutcome::NotSent), Decision::Done);
        assert_eq!(at(SECS(11), AttemptOutcome::NotSent), Decision::Done);
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
            &rate_limited(Some(SECS(60))),
            &ctx(1, false),
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

    #[test]
    fn which_outcomes_the_server_may_have_acted_on() {
        let rows = [
            (AttemptOutcome::NotSent, false, "could not connect"),
            (
                rate_limited(Some(Duration::from_secs(1))),
                false,
                "HTTP 429",
            ),
            (status(503), true, "HTTP 503"),
            (status(201), true, "HTTP 201"),
            (
                AttemptOutcome::MaybeSent { timed_out: true },
                true,
                "timed out",
            ),
            (
                AttemptOutcome::MaybeSent { timed_out: false },
                true,
                "connection failed after sending",
            ),
        ];
        for (outcome, acted_on, text) in rows {
            assert_eq!(outcome.may_have_been_acted_on(), acted_on, "{outcome:?}");
            assert_eq!(outcome.to_string(), text);
        }
    }
}
