//! The request budget every call of one client (and of its clones) shares: calls wait for a slot
//! before each attempt is sent, so the client stays under Polar's per-organization rate limit
//! instead of reacting to `429`s call by call.
//!
//! The arithmetic is GCRA (the generic cell rate algorithm, a token bucket kept as one "theoretical
//! arrival time"), written here over `tokio::time::Instant` rather than taken from the `governor`
//! crate: governor's async waits use `futures-timer`, which tokio's paused test clock does not
//! drive, its quota is fixed when the limiter is built (this budget slows down after a `429`),
//! and it has no notion of a client-wide pause or of call priorities. The hot path — a budget with
//! room — is a clock read, two atomic loads and one compare-and-swap: no lock, no allocation.
//!
//! Polar limits an organization to a number of requests per window (500 a minute in production,
//! 100 in sandbox) and answers `429` with `Retry-After: <window>` past it (see `polarsource/polar`,
//! `server/polar/rate_limit.py`). A budget of `n` per window therefore never lets more than `n`
//! requests start in any window of that length, wherever the server's window begins: a burst of
//! a twentieth of the limit, then a steady rate for the rest, less a 1 % margin for the spread of
//! network delays.
//!
//! With the `redis` feature, a budget can be shared by every replica of a service
//! ([`RequestBudget::shared_via_redis`]): slots then come from Redis (see `fleet`), and this
//! in-process budget, at the replica's local share of the limit, serves while Redis is away.
//!
//! After a `429` lowered the rate, the budget climbs back: a tenth of the configured limit more
//! for each window without a `429`, up to the configured limit. An [`adaptive`](RequestBudget::adaptive)
//! budget has no configured limit to climb back to and keeps what it learnt.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;

#[cfg(feature = "redis")]
use crate::core::fleet::{Fleet, RedisBudget, Reply, SharedPace};

/// The default longest pause after a `429`: five minutes, well above the 60 s window Polar names
/// for its minute rules (an identity blocked for 30 minutes pauses this long, then tries again).
pub const DEFAULT_MAX_PAUSE: Duration = Duration::from_secs(300);

/// How many requests a client (with all its clones) may send to Polar, and how it reacts when Polar
/// answers `429 Too Many Requests` anyway.
///
/// After a `429` lowered the rate, each window without another `429` raises it by a tenth of the
/// configured limit, back up to it; an [`adaptive`](Self::adaptive) budget keeps what it learnt.
///
/// Every call waits for a slot before each attempt is sent; the wait counts against the retry
/// policy's overall deadline, and a call that cannot get a slot in time fails with
/// [`Error::RateLimited`] (`by_budget: true`) without being sent. A `429` that arrives anyway
/// pauses every call of the client for the `Retry-After` Polar names (at most
/// [`max_pause`](Self::max_pause)), and the budget lowers its rate to what Polar accepted in that
/// window.
///
/// The default depends on the server: [`per_minute(500)`](Self::per_minute) for production,
/// `per_minute(100)` for sandbox, and [`adaptive`](Self::adaptive) for any other base URL (a mock,
/// a proxy): no pacing until the first `429` teaches the budget the server's limit.
///
/// The limit is per organization and shared by all its tokens and processes: a client that shares
/// the organization with others should be given its share, e.g. `per_minute(500 / replicas)`, or,
/// with the `redis` feature, share one budget with them through Redis
/// (`RequestBudget::shared_via_redis`).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use polar_client::{Polar, RequestBudget};
///
/// let polar = Polar::builder()
///     .access_token("polar_oat_example")
///     .request_budget(RequestBudget::per_minute(250).burst(20).max_pause(Duration::from_secs(120)))
///     .build()?;
/// # let _ = polar;
/// # Ok::<(), polar_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestBudget {
    pace: Pace,
    burst: Option<u32>,
    max_pause: Duration,
    /// Where the fleet's shared budget is kept, if anywhere.
    #[cfg(feature = "redis")]
    shared: Option<RedisBudget>,
}

/// What the budget paces calls by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pace {
    /// No budget at all: every attempt is sent at once, `429`s are handled by each call alone.
    Off,
    /// No pacing until a `429` names the server's window.
    Adaptive,
    /// At most `requests` in any `window`.
    Limit { requests: u32, window: Duration },
}

impl RequestBudget {
    /// At most `requests` requests in any minute (Polar's production limit is 500, sandbox 100,
    /// restricted organizations 60). `0` is treated as `1`.
    ///
    /// ```
    /// let budget = polar_client::RequestBudget::per_minute(100);
    /// assert_eq!(budget.limit(), Some((100, std::time::Duration::from_secs(60))));
    /// ```
    pub fn per_minute(requests: u32) -> Self {
        Self::per(requests, Duration::from_secs(60))
    }

    /// At most `requests` requests in any `window` (`0` requests is treated as `1`, a zero window
    /// as one millisecond).
    ///
    /// ```
    /// use std::time::Duration;
    /// let budget = polar_client::RequestBudget::per(1_000, Duration::from_secs(10));
    /// assert_eq!(budget.limit(), Some((1_000, Duration::from_secs(10))));
    /// ```
    pub fn per(requests: u32, window: Duration) -> Self {
        Self {
            pace: Pace::Limit {
                requests: requests.max(1),
                window: window.max(Duration::from_millis(1)),
            },
            burst: None,
            max_pause: DEFAULT_MAX_PAUSE,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// No pacing until Polar answers `429`: then every call pauses for its `Retry-After`, and the
    /// budget keeps to what Polar accepted in that window from then on. The default for base URLs
    /// other than Polar's own.
    ///
    /// ```
    /// assert_eq!(polar_client::RequestBudget::adaptive().limit(), None);
    /// ```
    pub fn adaptive() -> Self {
        Self {
            pace: Pace::Adaptive,
            burst: None,
            max_pause: DEFAULT_MAX_PAUSE,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// No budget: attempts are sent at once and each call handles its own `429`s with the retry
    /// policy alone (a `Retry-After` above [`RetryPolicy::max_retry_after`] ends the call). For
    /// tests, and for callers that pace requests themselves.
    ///
    /// [`RetryPolicy::max_retry_after`]: crate::RetryPolicy::max_retry_after
    ///
    /// ```
    /// assert_eq!(polar_client::RequestBudget::unlimited().limit(), None);
    /// ```
    pub fn unlimited() -> Self {
        Self {
            pace: Pace::Off,
            burst: None,
            max_pause: DEFAULT_MAX_PAUSE,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// How many requests may start at once after a quiet spell (default: a twentieth of the
    /// limit, 24 of production's 500 a minute).
    /// The steady rate fills the rest of the window, so a window never sees more than the limit.
    /// Clamped to `1..=limit`.
    ///
    /// ```
    /// // 10 at once, then the rest of the 100 spread over the minute.
    /// let budget = polar_client::RequestBudget::per_minute(100).burst(10);
    /// # let _ = budget;
    /// ```
    pub fn burst(mut self, requests: u32) -> Self {
        self.burst = Some(requests.max(1));
        self
    }

    /// The longest pause after a `429` (default [`DEFAULT_MAX_PAUSE`], five minutes). Polar's
    /// `Retry-After` is its window (60 s) or a block (up to 30 minutes); the client pauses for it,
    /// capped here, instead of failing the call. A call whose deadline ends before the pause does
    /// fail, with [`Error::RateLimited`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let budget = polar_client::RequestBudget::per_minute(500).max_pause(Duration::from_secs(90));
    /// # let _ = budget;
    /// ```
    pub fn max_pause(mut self, pause: Duration) -> Self {
        self.max_pause = pause;
        self
    }

    /// The configured limit, `(requests, window)`; `None` for [`adaptive`](Self::adaptive) and
    /// [`unlimited`](Self::unlimited).
    pub fn limit(&self) -> Option<(u32, Duration)> {
        match self.pace {
            Pace::Limit { requests, window } => Some((requests, window)),
            Pace::Off | Pace::Adaptive => None,
        }
    }

    /// Shares this limit with every client, in any process, built with the same Redis key: the
    /// fleet together keeps to it (`redis` feature). Each request takes its slot in Redis, in one
    /// atomic Lua script; a `429` one client meets pauses them all. While Redis is away, each
    /// client keeps to its [`local_share`](RedisBudget::local_share) of the limit (and of the
    /// burst) and logs that once. Give every replica the same limit and key.
    ///
    /// A shared budget needs a limit: building a client with
    /// `adaptive().shared_via_redis(..)` fails, and [`unlimited`](Self::unlimited) ignores it.
    ///
    /// # Examples
    /// ```
    /// use polar_client::{Polar, RedisBudget, RequestBudget};
    ///
    /// // Three replicas of a service on production's 500 a minute.
    /// let budget = RequestBudget::per_minute(500).shared_via_redis(
    ///     RedisBudget::new("redis://127.0.0.1:6379", "polar:budget:acme").local_share(1.0 / 3.0),
    /// );
    /// let polar = Polar::builder().access_token("polar_oat_example").request_budget(budget).build()?;
    /// # let _ = polar;
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// None here; [`PolarBuilder::build`](crate::PolarBuilder::build) fails with
    /// [`Error::InvalidConfig`] when the Redis URL is malformed or the budget is adaptive.
    #[cfg(feature = "redis")]
    pub fn shared_via_redis(mut self, redis: RedisBudget) -> Self {
        self.shared = Some(redis);
        self
    }

    /// Where the budget is shared, if it is (`redis` feature).
    #[cfg(feature = "redis")]
    pub fn shared(&self) -> Option<&RedisBudget> {
        self.shared.as_ref()
    }
}

/// Which calls go first when both wait for the budget.
///
/// Interactive calls (the default) reserve their slot as soon as they ask; background calls take
/// a slot only while no interactive call waits and more than half of the burst is left, so a bulk
/// job never starves a web request. Get a background client with
/// [`Polar::background`](crate::Polar::background).
///
/// ```
/// assert_eq!(polar_client::Priority::default(), polar_client::Priority::Interactive);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Priority {
    /// A request someone waits for (a web request, a command): served first.
    #[default]
    Interactive,
    /// Bulk work (imports, ingestion, syncs): served when no interactive call waits.
    Background,
}

/// What a client's request budget has done so far, from [`Polar::budget_stats`](crate::Polar::budget_stats).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetStats {
    /// Attempts that got a slot.
    pub granted: u64,
    /// Of those, how many had to wait for it.
    pub waited: u64,
    /// The sum of those waits.
    pub total_wait: Duration,
    /// Attempts refused because no slot came before their call's deadline (never sent).
    pub refused: u64,
    /// `429` answers seen.
    pub rate_limited: u64,
    /// Client-wide pauses those `429`s started.
    pub pauses: u64,
    /// What is left of the current pause (zero when none).
    pub paused_for: Duration,
    /// The limit the budget keeps to now, `(requests, window)`: the configured one, or what Polar
    /// accepted before a `429` when that was less; `None` while nothing paces calls. For a budget
    /// shared through Redis, this client's local share.
    pub limit: Option<(u32, Duration)>,
    /// Of the slots granted, how many came from the budget shared through Redis (`redis` feature).
    pub shared: u64,
    /// Of the slots granted, how many came from the local share because Redis was away.
    pub local_fallback: u64,
}

/// The GCRA parameters of a limit, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gcra {
    /// Between two slots at the steady rate.
    interval: u64,
    /// How far ahead of the clock the theoretical arrival time may run: (burst - 1) intervals.
    tolerance: u64,
    /// The part of the tolerance background calls may not use: half the burst.
    reserve: u64,
}

impl Gcra {
    /// `requests` per `window`, with a burst (default a twentieth), less a 1 % margin; never more than
    /// `requests` slots start in any half-open window of that length.
    fn of(requests: u32, window: Duration, burst: Option<u32>) -> Self {
        let usable = (requests - requests / 100).max(1);
        let burst = burst.unwrap_or(usable / 20).clamp(1, usable);
        // A burst of `b` at t, then one per interval: a window [t, t + W) holds b + steady - 1.
        let steady = u64::from(usable - burst + 1);
        let interval = (nanos(window) / steady).max(1);
        Self {
            interval,
            tolerance: interval * u64::from(burst - 1),
            reserve: interval * u64::from(burst / 2),
        }
    }

    /// The `(requests, window)` this pacing amounts to, for reports.
    fn limit(self, window: Duration) -> (u32, Duration) {
        let steady = nanos(window) / self.interval.max(1);
        let burst = self.tolerance / self.interval.max(1) + 1;
        let requests = u32::try_from(steady + burst - 1).unwrap_or(u32::MAX);
        (requests, window)
    }
}

/// Nanoseconds of a duration, saturating.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// What the budget knows only on the slow paths (a `429`, stats, climbing back after one).
#[derive(Debug)]
struct Learnt {
    /// When calls last resumed after a pause (the budget's start at first), in ns.
    resumed_at: u64,
    /// The window of the limit kept now.
    window: Duration,
    /// The configured limit, `(requests, window)`, the most the rate climbs back to; `None` for
    /// an adaptive budget, which keeps what it learnt.
    ceiling: Option<(u32, Duration)>,
    /// The requests per `window` kept now.
    current: u32,
    /// Since when no `429` came and the rate was not raised, in ns: each full window from here
    /// raises it a step.
    clean_since: u64,
}

/// One client's budget, shared by its clones behind an `Arc`.
pub(crate) struct Budget {
    origin: Instant,
    on: bool,
    burst: Option<u32>,
    max_pause: Duration,
    interval: AtomicU64,
    tolerance: AtomicU64,
    reserve: AtomicU64,
    /// The theoretical arrival time of the next slot, ns since `origin`.
    tat: AtomicU64,
    /// No slot starts before this, ns since `origin` (0: never paused).
    paused_until: AtomicU64,
    /// Bumped by each pause: slots reserved before it are void and asked for again.
    generation: AtomicU64,
    interactive_waiting: AtomicU32,
    /// Background waiters queue here, so only one of them watches the budget at a time.
    background: tokio::sync::Mutex<()>,
    /// Answers other than `429` since calls last resumed: what the server accepted.
    answered: AtomicU64,
    /// A `429` lowered the rate below the configured one: it climbs back (see `recover`).
    lowered: AtomicBool,
    learnt: Mutex<Learnt>,
    /// The budget shared through Redis, when there is one; this budget is then the local share.
    #[cfg(feature = "redis")]
    fleet: Option<std::sync::Arc<Fleet>>,
    shared: AtomicU64,
    local_fallback: AtomicU64,
    granted: AtomicU64,
    waited: AtomicU64,
    wait_ns: AtomicU64,
    refused: AtomicU64,
    rate_limited: AtomicU64,
    pauses: AtomicU64,
}

/// Where an attempt stands with the budget.
enum Slot {
    /// Go now.
    Now,
    /// A slot is reserved at this time (ns since `origin`), valid while `generation` holds.
    At { at: u64, generation: u64 },
    /// Nothing reserved; look again at this time (background calls).
    Retry { at: u64 },
    /// No slot before the call's deadline: the first free one is this far away.
    Refused(Duration),
}

/// One interactive call waiting for its slot, counted while it waits — also when the call is
/// dropped mid-wait (cancelled by its caller), so background calls are never held back by a
/// call that is gone.
struct Waiting<'a>(&'a AtomicU32);

impl<'a> Waiting<'a> {
    fn on(count: &'a AtomicU32) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What the budget shared through Redis gave one attempt.
#[cfg(feature = "redis")]
enum Shared {
    /// A slot; `slept`: the call had to wait for it (beyond the round trip to Redis).
    Granted { slept: bool },
    /// No slot before the call's deadline: the first free one is this far away.
    Refused(Duration),
    /// Redis is away: take the slot from the local share.
    Away,
}

impl Budget {
    /// The budget of a client built with `config`: in-process, or shared through Redis with this
    /// process's local share in-process.
    ///
    /// # Errors
    /// What is wrong with the configuration (a malformed Redis URL, an adaptive shared budget).
    pub(crate) fn for_client(config: RequestBudget) -> Result<Self, String> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &config.shared {
            let Pace::Limit { requests, window } = config.pace else {
                return match config.pace {
                    Pace::Off => Ok(Self::new(config)),
                    _ => Err("a request budget shared through Redis needs a limit \
                              (RequestBudget::per_minute or per), not an adaptive one"
                        .to_owned()),
                };
            };
            let full = Gcra::of(requests, window, config.burst);
            let pace = SharedPace {
                interval_us: (full.interval / 1_000).max(1),
                tolerance_us: full.tolerance / 1_000,
                reserve_us: full.reserve / 1_000,
            };
            let fleet = Fleet::new(redis, pace)?;
            let local = RequestBudget {
                pace: Pace::Limit {
                    requests: redis.share_of(requests),
                    window,
                },
                burst: config.burst.map(|burst| redis.share_of(burst)),
                ..config.clone()
            };
            let mut budget = Self::new(local);
            budget.fleet = Some(std::sync::Arc::new(fleet));
            return Ok(budget);
        }
        Ok(Self::new(config))
    }

    /// An in-process budget as `config` says, starting now.
    pub(crate) fn new(config: RequestBudget) -> Self {
        let (gcra, window) = match config.pace {
            Pace::Limit { requests, window } => (Gcra::of(requests, window, config.burst), window),
            Pace::Off | Pace::Adaptive => (
                Gcra {
                    interval: 0,
                    tolerance: 0,
                    reserve: 0,
                },
                Duration::from_secs(60),
            ),
        };
        Self {
            origin: Instant::now(),
            on: config.pace != Pace::Off,
            burst: config.burst,
            max_pause: config.max_pause,
            interval: AtomicU64::new(gcra.interval),
            tolerance: AtomicU64::new(gcra.tolerance),
            reserve: AtomicU64::new(gcra.reserve),
            tat: AtomicU64::new(0),
            paused_until: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            interactive_waiting: AtomicU32::new(0),
            background: tokio::sync::Mutex::new(()),
            answered: AtomicU64::new(0),
            lowered: AtomicBool::new(false),
            learnt: Mutex::new(Learnt {
                resumed_at: 0,
                window,
                ceiling: config.limit(),
                current: config.limit().map_or(0, |(requests, _)| requests),
                clean_since: 0,
            }),
            #[cfg(feature = "redis")]
            fleet: None,
            shared: AtomicU64::new(0),
            local_fallback: AtomicU64::new(0),
            granted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            wait_ns: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    /// The fast path: takes a slot when one is free right now (no waiting, no lock).
    pub(crate) fn admit_now(&self, priority: Priority) -> bool {
        if !self.on {
            return true;
        }
        #[cfg(feature = "redis")]
        if self.fleet.is_some() {
            return false;
        }
        let now = self.now();
        let free = matches!(self.slot(priority, now, Duration::ZERO), Slot::Now);
        if free {
            self.granted.fetch_add(1, Ordering::Relaxed);
        }
        free
    }

    /// Waits for a slot for one attempt of a call that has `deadline` left at `asked` (now).
    ///
    /// # Errors
    /// [`Error::RateLimited`] with `by_budget: true` when no slot comes before the deadline:
    /// the attempt must not be sent.
    pub(crate) async fn acquire(
        &self,
        priority: Priority,
        deadline: Duration,
    ) -> Result<(), Error> {
        let asked = Instant::now();
        let _queue = match priority {
            Priority::Background => Some(self.background.lock().await),
            Priority::Interactive => None,
        };
        #[cfg(feature = "redis")]
        if let Some(fleet) = &self.fleet {
            match self.acquire_shared(fleet, priority, deadline, asked).await {
                Shared::Granted { slept } => {
                    self.shared.fetch_add(1, Ordering::Relaxed);
                    self.granted_after(asked, priority, slept);
                    return Ok(());
                }
                Shared::Refused(wait) => return Err(self.refuse(wait, priority)),
                Shared::Away => {
                    // The fleet may have spent the window already: each time Redis goes away, the
                    // local share starts one of its intervals after the fleet's reserved slots,
                    // at its steady rate, without a burst.
                    if let Some(start) = fleet.local_start() {
                        let start = nanos(start.saturating_duration_since(self.origin))
                            .saturating_add(self.interval.load(Ordering::Relaxed))
                            .saturating_add(self.tolerance.load(Ordering::Relaxed));
                        self.tat.fetch_max(start, Ordering::AcqRel);
                    }
                }
            }
        }
        self.recover(self.now());
        loop {
            // Never zero: zero is how the fast path asks without reserving.
            let left = deadline
                .saturating_sub(asked.elapsed())
                .max(Duration::from_nanos(1));
            let now = self.now();
            match self.slot(priority, now, left) {
                Slot::Now => break,
                Slot::Refused(wait) => return Err(self.refuse(wait, priority)),
                Slot::Retry { at } => self.sleep_until(at).await,
                Slot::At { at, generation } => {
                    let waiting = Waiting::on(&self.interactive_waiting);
                    self.sleep_until(at).await;
                    drop(waiting);
                    if self.generation.load(Ordering::Acquire) == generation {
                        break;
                    }
                }
            }
        }
        #[cfg(feature = "redis")]
        if self.fleet.is_some() {
            self.local_fallback.fetch_add(1, Ordering::Relaxed);
        }
        self.granted_after(asked, priority, !asked.elapsed().is_zero());
        Ok(())
    }

    /// Counts a slot granted to a call that asked at `asked` and `slept` for it.
    fn granted_after(&self, asked: Instant, priority: Priority, slept: bool) {
        let waited = asked.elapsed();
        self.granted.fetch_add(1, Ordering::Relaxed);
        if slept {
            self.waited.fetch_add(1, Ordering::Relaxed);
            self.wait_ns.fetch_add(nanos(waited), Ordering::Relaxed);
            tracing::debug!(
                wait_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                ?priority,
                "request budget: waited for a slot"
            );
        }
    }

    /// The refusal of an attempt whose first slot is `wait` away, past its deadline.
    fn refuse(&self, wait: Duration, priority: Priority) -> Error {
        self.refused.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            ?priority,
            "request budget: no slot before the call's deadline; not sent"
        );
        Error::RateLimited {
            retry_after: Some(wait),
            request_id: None,
            by_budget: true,
        }
    }

    /// A slot from the budget shared through Redis, after this client's own pause if it is
    /// paused. Background calls take one only while it is free at once, no interactive call of
    /// this client waits, and more than the reserve is left.
    #[cfg(feature = "redis")]
    async fn acquire_shared(
        &self,
        fleet: &Fleet,
        priority: Priority,
        deadline: Duration,
        asked: Instant,
    ) -> Shared {
        let interval = Duration::from_micros(fleet.pace.interval_us).max(Duration::from_millis(1));
        let mut slept = false;
        loop {
            let left = deadline.saturating_sub(asked.elapsed());
            let now = self.now();
            let paused_until = self.paused_until.load(Ordering::Acquire);
            if paused_until > now {
                let wait = Duration::from_nanos(paused_until - now);
                if wait >= left {
                    return Shared::Refused(wait);
                }
                self.sleep_until(paused_until).await;
                slept = true;
                continue;
            }
            // Back from an outage: the slots taken from the local share meanwhile are handed back
            // first, as a pause of the shared budget until the last of them.
            if fleet.owes_hand_back() {
                let local_until = self
                    .tat
                    .load(Ordering::Acquire)
                    .saturating_sub(self.tolerance.load(Ordering::Relaxed));
                let pending = Duration::from_nanos(local_until.saturating_sub(now));
                if !pending.is_zero() && !fleet.pause(pending).await {
                    return Shared::Away;
                }
                fleet.handed_back();
            }
            let generation = self.generation.load(Ordering::Acquire);
            let (tolerance, max_wait) = match priority {
                Priority::Interactive => (fleet.pace.tolerance_us, left),
                Priority::Background => {
                    if self.interactive_waiting.load(Ordering::Relaxed) > 0 {
                        if interval >= left {
                            return Shared::Refused(interval);
                        }
                        tokio::time::sleep(interval).await;
                        slept = true;
                        continue;
                    }
                    let own = fleet
                        .pace
                        .tolerance_us
                        .saturating_sub(fleet.pace.reserve_us);
                    (own, Duration::ZERO)
                }
            };
            match fleet.reserve(tolerance, max_wait).await {
                None => return Shared::Away,
                Some(Reply::Reserved(wait)) => {
                    if !wait.is_zero() {
                        let _waiting = Waiting::on(&self.interactive_waiting);
                        tokio::time::sleep(wait).await;
                        slept = true;
                    }
                    // A pause that began meanwhile voids the slot: ask again after it.
                    if self.generation.load(Ordering::Acquire) == generation {
                        return Shared::Granted { slept };
                    }
                }
                Some(Reply::TooFar(wait)) => {
                    let left = deadline.saturating_sub(asked.elapsed());
                    if priority == Priority::Interactive || wait >= left {
                        return Shared::Refused(wait);
                    }
                    tokio::time::sleep(wait.max(interval)).await;
                    slept = true;
                }
            }
        }
    }

    async fn sleep_until(&self, at: u64) {
        tokio::time::sleep_until(self.origin + Duration::from_nanos(at)).await;
    }

    /// The GCRA step: a slot now, one reserved later, or none before `left` runs out.
    fn slot(&self, priority: Priority, now: u64, left: Duration) -> Slot {
        let interval = self.interval.load(Ordering::Relaxed);
        let paused_until = self.paused_until.load(Ordering::Acquire);
        if interval == 0 && paused_until <= now {
            return Slot::Now;
        }
        let tolerance = self.tolerance.load(Ordering::Relaxed);
        let generation = self.generation.load(Ordering::Acquire);
        let left = nanos(left);
        loop {
            let tat = self.tat.load(Ordering::Acquire);
            let base = tat.max(now);
            let at = match priority {
                Priority::Interactive => base.saturating_sub(tolerance),
                Priority::Background => {
                    let own = tolerance.saturating_sub(self.reserve.load(Ordering::Relaxed));
                    let at = base.saturating_sub(own).max(paused_until);
                    let others_wait = self.interactive_waiting.load(Ordering::Relaxed) > 0;
                    if at > now || others_wait {
                        let at = at.max(now + interval.max(1_000_000));
                        return if at - now >= left && left != 0 {
                            Slot::Refused(Duration::from_nanos(at - now))
                        } else {
                            Slot::Retry { at }
                        };
                    }
                    at
                }
            }
            .max(paused_until);
            let wait = at.saturating_sub(now);
            if wait > 0 && wait >= left {
                // `left == 0` is the fast path asking: nothing reserved, the slow path decides.
                return if left == 0 {
                    Slot::Retry { at }
                } else {
                    Slot::Refused(Duration::from_nanos(wait))
                };
            }
            let next = base.max(paused_until) + interval;
            if self
                .tat
                .compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return if wait == 0 {
                    Slot::Now
                } else {
                    Slot::At { at, generation }
                };
            }
        }
    }

    /// Notes an answer other than `429` (what the server accepted, for learning its limit).
    pub(crate) fn answered(&self) {
        if self.on {
            self.answered.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Notes a `429`: the first of an episode pauses every call for `retry_after` (at most
    /// `max_pause`) and lowers the rate to what the server accepted since calls last resumed.
    /// Returns what is left of the pause when the budget takes over the waiting (the call then
    /// only backs off a little and waits for its next slot, which comes after the pause); `None`
    /// when the budget is off.
    pub(crate) fn rate_limited(&self, retry_after: Option<Duration>) -> Option<Duration> {
        if !self.on {
            return None;
        }
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        let mut learnt = self
            .learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.now();
        let paused_until = self.paused_until.load(Ordering::Acquire);
        if paused_until > now {
            return Some(Duration::from_nanos(paused_until - now));
        }
        let pause = retry_after
            .unwrap_or(Duration::from_secs(1))
            .min(self.max_pause);
        let accepted = self.answered.swap(0, Ordering::Relaxed);
        // Without a window named (no or a zero `Retry-After`: not Polar's way), pause only.
        let Some(window) = retry_after.filter(|w| !w.is_zero()) else {
            return Some(self.pause(now, pause, &mut learnt));
        };
        let since = now.saturating_sub(learnt.resumed_at).max(1);
        let window_ns = nanos(window);
        let estimate = if since <= window_ns {
            accepted
        } else {
            u64::try_from(u128::from(accepted) * u128::from(window_ns) / u128::from(since))
                .unwrap_or(u64::MAX)
        };
        let estimate = u32::try_from(estimate).unwrap_or(u32::MAX).max(1);
        let learnt_pace = Gcra::of(estimate, window, self.burst);
        // Only ever slower: keep the current pace when it is already below the estimate.
        if learnt_pace.interval > self.interval.load(Ordering::Relaxed) {
            self.set_pace(learnt_pace);
            learnt.window = window;
            learnt.current = estimate;
            // With a configured limit to climb back to (an adaptive budget keeps what it learnt).
            self.lowered
                .store(learnt.ceiling.is_some(), Ordering::Relaxed);
        }
        let pause = self.pause(now, pause, &mut learnt);
        #[cfg(feature = "redis")]
        self.pause_fleet(pause);
        let tolerance = self.tolerance.load(Ordering::Relaxed);
        let interval = self.interval.load(Ordering::Relaxed);
        let limit = Gcra {
            interval,
            tolerance,
            reserve: 0,
        }
        .limit(learnt.window);
        tracing::warn!(
            pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            accepted,
            limit = limit.0,
            window_s = learnt.window.as_secs_f64(),
            "Polar answered 429: every call of this client pauses, then keeps to the lower rate"
        );
        Some(pause)
    }

    fn set_pace(&self, pace: Gcra) {
        self.interval.store(pace.interval, Ordering::Relaxed);
        self.tolerance.store(pace.tolerance, Ordering::Relaxed);
        self.reserve.store(pace.reserve, Ordering::Relaxed);
    }

    /// Climbs back after a `429` lowered the rate: each full window without a `429` since the
    /// last pause (or the last step) raises the limit by a tenth of the configured one, up to it.
    /// Lazy: called on the slow path and for stats, it makes up for every window gone by. A
    /// client whose calls all find a free slot does not need the higher rate until they don't.
    fn recover(&self, now: u64) {
        if !self.lowered.load(Ordering::Relaxed) {
            return;
        }
        let mut learnt = self
            .learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((requests, configured_window)) = learnt.ceiling else {
            return;
        };
        let window = nanos(learnt.window).max(1);
        if !self.lowered.load(Ordering::Relaxed) || now < learnt.clean_since.saturating_add(window)
        {
            return;
        }
        let windows = (now - learnt.clean_since) / window;
        // The configured limit in the window kept now (Polar names the same window it limits by).
        let ceiling = u64::from(requests) * window / nanos(configured_window).max(1);
        let ceiling = u32::try_from(ceiling).unwrap_or(u32::MAX).max(1);
        let step = (ceiling / 10).max(1);
        let raised = u64::from(learnt.current)
            .saturating_add(u64::from(step).saturating_mul(windows))
            .min(u64::from(ceiling));
        let raised = u32::try_from(raised).unwrap_or(ceiling);
        learnt.clean_since = learnt.clean_since.saturating_add(windows * window);
        let old_tolerance = self.tolerance.load(Ordering::Relaxed);
        let pace = if raised >= ceiling {
            learnt.window = configured_window;
            learnt.current = requests;
            self.lowered.store(false, Ordering::Relaxed);
            Gcra::of(requests, configured_window, self.burst)
        } else {
            learnt.current = raised;
            Gcra::of(raised, learnt.window, self.burst)
        };
        self.set_pace(pace);
        // The next free slot stays where it was (a higher rate is no burst at once): the arrival
        // time keeps its distance to the new tolerance.
        let _ = self
            .tat
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                (tat > now).then(|| {
                    tat.saturating_sub(old_tolerance)
                        .saturating_add(pace.tolerance)
                })
            });
        tracing::info!(
            limit = learnt.current,
            window_s = learnt.window.as_secs_f64(),
            "request budget: no 429 for a window; the rate climbs back"
        );
    }

    /// Publishes a pause to the budget shared through Redis, if there is one, so that the whole
    /// fleet pauses (best effort, in a task of its own: the call that met the `429` goes on).
    #[cfg(feature = "redis")]
    fn pause_fleet(&self, pause: Duration) {
        let Some(fleet) = &self.fleet else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let fleet = std::sync::Arc::clone(fleet);
            runtime.spawn(async move {
                fleet.pause(pause).await;
            });
        }
    }

    /// Pauses every call for `pause` from `now`: slots reserved before are void, and calls resume
    /// at the steady rate, without a burst.
    fn pause(&self, now: u64, pause: Duration, learnt: &mut Learnt) -> Duration {
        let until = now.saturating_add(nanos(pause));
        let tolerance = self.tolerance.load(Ordering::Relaxed);
        self.tat
            .store(until.saturating_add(tolerance), Ordering::Release);
        self.paused_until.store(until, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.pauses.fetch_add(1, Ordering::Relaxed);
        learnt.resumed_at = until;
        learnt.clean_since = until;
        pause
    }

    /// What the budget has done so far.
    pub(crate) fn stats(&self) -> BudgetStats {
        self.recover(self.now());
        let window = self
            .learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .window;
        let interval = self.interval.load(Ordering::Relaxed);
        let limit = (self.on && interval > 0).then(|| {
            Gcra {
                interval,
                tolerance: self.tolerance.load(Ordering::Relaxed),
                reserve: 0,
            }
            .limit(window)
        });
        BudgetStats {
            granted: self.granted.load(Ordering::Relaxed),
            waited: self.waited.load(Ordering::Relaxed),
            total_wait: Duration::from_nanos(self.wait_ns.load(Ordering::Relaxed)),
            refused: self.refused.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            pauses: self.pauses.load(Ordering::Relaxed),
            paused_for: Duration::from_nanos(
                self.paused_until
                    .load(Ordering::Acquire)
                    .saturating_sub(self.now()),
            ),
            limit,
            shared: self.shared.load(Ordering::Relaxed),
            local_fallback: self.local_fallback.load(Ordering::Relaxed),
        }
    }
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Budget");
        debug.field("on", &self.on).field("stats", &self.stats());
        #[cfg(feature = "redis")]
        debug.field("fleet", &self.fleet);
        debug.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const LONG: Duration = Duration::from_secs(3600);

    /// Asks for `n` slots at once (each a task of its own) and returns when each got it, since
    /// `start`, in order.
    async fn grants(budget: &Arc<Budget>, n: usize, priority: Priority) -> Vec<Duration> {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let budget = Arc::clone(budget);
                tokio::spawn(async move {
                    if !budget.admit_now(priority) {
                        budget.acquire(priority, LONG).await.unwrap();
                    }
                    start.elapsed()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap());
        }
        times.sort();
        times
    }

    fn close(time: Duration, expected: Duration) -> bool {
        time >= expected && time <= expected + Duration::from_millis(1)
    }

    fn most_in_any_window(times: &[Duration], window: Duration) -> usize {
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t < times[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_the_steady_rate_and_never_more_than_the_limit_in_a_window() {
        let window = Duration::from_secs(10);
        let budget = Arc::new(Budget::new(RequestBudget::per(100, window)));
        let times = grants(&budget, 300, Priority::Interactive).await;
        // 99 usable (1 % margin), a burst of 4, then one every 10 s / 96.
        let burst = times.iter().filter(|t| t.is_zero()).count();
        assert_eq!(burst, 4);
        let interval = Duration::from_nanos(nanos(window) / 96);
        // Tokio's timer wakes on whole milliseconds.
        assert!(close(times[4], interval), "{:?}", times[4]);
        assert!(close(times[5], interval * 2), "{:?}", times[5]);
        assert!(most_in_any_window(&times, window) <= 100);
        assert_eq!(most_in_any_window(&times, window), 99);
        // 300 slots: 4 at once, 296 more at the steady rate.
        assert!(close(times[299], interval * 296), "{:?}", times[299]);
        let stats = budget.stats();
        assert_eq!(stats.granted, 300);
        assert_eq!(stats.waited, 296);
        assert_eq!(stats.limit, Some((99, window)));
    }

    #[tokio::test(start_paused = true)]
    async fn an_explicit_burst_and_a_quiet_spell_refill_it() {
        let budget = Arc::new(Budget::new(
            RequestBudget::per(10, Duration::from_secs(10)).burst(5),
        ));
        let first = grants(&budget, 5, Priority::Interactive).await;
        assert!(first.iter().all(|t| t.is_zero()));
        tokio::time::advance(Duration::from_secs(60)).await;
        let again = grants(&budget, 6, Priority::Interactive).await;
        assert_eq!(again.iter().filter(|t| t.is_zero()).count(), 5);
        assert!(
            close(again[5], Duration::from_secs(10) / 6),
            "10 s / (10 - 5 + 1): {:?}",
            again[5]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_call_and_lowers_the_rate() {
        let budget = Arc::new(Budget::new(RequestBudget::per_minute(500).burst(50)));
        for _ in 0..40 {
            assert!(budget.admit_now(Priority::Interactive));
            budget.answered();
        }
        assert_eq!(
            budget.rate_limited(Some(Duration::from_secs(60))),
            Some(Duration::from_secs(60))
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            budget.rate_limited(Some(Duration::from_secs(60))),
            Some(Duration::from_secs(59)),
            "the same pause"
        );
        let stats = budget.stats();
        assert_eq!(stats.rate_limited, 2);
        assert_eq!(stats.pauses, 1);
        assert_eq!(stats.paused_for, Duration::from_secs(59));
        assert_eq!(stats.limit.map(|(n, _)| n), Some(40), "what Polar accepted");
        assert!(!budget.admit_now(Priority::Interactive));
        let times = grants(&budget, 5, Priority::Interactive).await;
        assert_eq!(
            times[0],
            Duration::from_secs(59),
            "no slot before the pause ends"
        );
        assert!(
            times[4] > Duration::from_secs(59),
            "then the steady rate, no burst"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_retry_after_is_capped_by_max_pause() {
        let budget = Budget::new(RequestBudget::adaptive().max_pause(Duration::from_secs(90)));
        assert!(
            budget
                .rate_limited(Some(Duration::from_secs(1_800)))
                .is_some()
        );
        assert_eq!(budget.stats().paused_for, Duration::from_secs(90));
    }

    #[tokio::test(start_paused = true)]
    async fn adaptive_paces_nothing_until_a_429_teaches_it() {
        let budget = Arc::new(Budget::new(RequestBudget::adaptive()));
        let times = grants(&budget, 1_000, Priority::Interactive).await;
        assert!(times.iter().all(|t| t.is_zero()));
        assert_eq!(budget.stats().limit, None);
        for _ in 0..100 {
            budget.answered();
        }
        assert!(budget.rate_limited(Some(Duration::from_secs(10))).is_some());
        assert_eq!(budget.stats().limit, Some((99, Duration::from_secs(10))));
        let times = grants(&budget, 200, Priority::Interactive).await;
        assert!(most_in_any_window(&times, Duration::from_secs(10)) <= 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_cannot_get_a_slot_before_its_deadline_is_refused_and_reserves_nothing() {
        let budget = Budget::new(RequestBudget::per(1, Duration::from_secs(60)));
        assert!(budget.admit_now(Priority::Interactive));
        let refused = budget
            .acquire(Priority::Interactive, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, Error::RateLimited { by_budget: true, retry_after: Some(wait), .. } if wait == Duration::from_secs(60)),
            "{refused:?}"
        );
        assert!(
            refused.to_string().contains("nothing was sent"),
            "{refused}"
        );
        assert_eq!(refused.status(), None);
        assert_eq!(budget.stats().refused, 1);
        let start = Instant::now();
        budget
            .acquire(Priority::Interactive, Duration::from_secs(61))
            .await
            .unwrap();
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(60),
            "the refusal took no slot"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn interactive_calls_go_before_waiting_background_ones() {
        let budget = Arc::new(Budget::new(
            RequestBudget::per(10, Duration::from_secs(10)).burst(4),
        ));
        let start = Instant::now();
        let background: Vec<_> = (0..20)
            .map(|_| {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move {
                    budget.acquire(Priority::Background, LONG).await.unwrap();
                    start.elapsed()
                })
            })
            .collect();
        // Background takes only half the burst: two slots at once, the rest of it is kept.
        tokio::time::advance(Duration::from_millis(1)).await;
        tokio::task::yield_now().await;
        assert!(
            budget.admit_now(Priority::Interactive),
            "the reserve is there"
        );
        tokio::time::advance(Duration::from_secs(5)).await;
        // An interactive call asking while background ones wait gets the next slot.
        let asked = Instant::now();
        budget.acquire(Priority::Interactive, LONG).await.unwrap();
        let interactive_wait = asked.elapsed();
        assert!(
            interactive_wait <= Duration::from_millis(1_429),
            "one interval at most: {interactive_wait:?}"
        );
        let mut times = Vec::new();
        for task in background {
            times.push(task.await.unwrap());
        }
        times.sort();
        assert_eq!(
            times
                .iter()
                .filter(|t| **t < Duration::from_millis(2))
                .count(),
            2
        );
        assert!(most_in_any_window(&times, Duration::from_secs(10)) <= 10);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_the_rate_climbs_back_a_tenth_per_clean_window_up_to_the_limit() {
        let config = RequestBudget::per_minute(500).burst(50);
        let configured = Budget::new(config.clone()).stats().limit;
        let budget = Arc::new(Budget::new(config));
        let limit_of =
            |n| Some(Gcra::of(n, Duration::from_secs(60), Some(50)).limit(Duration::from_secs(60)));
        for _ in 0..40 {
            assert!(budget.admit_now(Priority::Interactive));
            budget.answered();
        }
        assert!(budget.rate_limited(Some(Duration::from_secs(60))).is_some());
        assert_eq!(budget.stats().limit, limit_of(40));
        // The pause (60 s), then a window without a 429 less a second: not yet.
        tokio::time::advance(Duration::from_secs(119)).await;
        assert_eq!(budget.stats().limit, limit_of(40));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(budget.stats().limit, limit_of(90), "40 + 500 / 10");
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(budget.stats().limit, limit_of(140));
        // The raised rate is the one calls keep to: 139 usable, a burst of 50, then steady.
        let times = grants(&budget, 200, Priority::Interactive).await;
        assert!(most_in_any_window(&times, Duration::from_secs(60)) <= 140);
        assert!(most_in_any_window(&times, Duration::from_secs(60)) >= 130);
        // A second 429 starts the count again from its pause.
        assert!(budget.rate_limited(Some(Duration::from_secs(60))).is_some());
        let lowered = budget.stats().limit;
        tokio::time::advance(Duration::from_secs(119)).await;
        assert_eq!(budget.stats().limit, lowered);
        // Long enough without a 429: the configured limit exactly, and no further.
        tokio::time::advance(Duration::from_secs(600)).await;
        assert_eq!(budget.stats().limit, configured);
        tokio::time::advance(Duration::from_secs(600)).await;
        assert_eq!(budget.stats().limit, configured);
    }

    #[tokio::test(start_paused = true)]
    async fn an_adaptive_budget_keeps_what_it_learnt() {
        let budget = Budget::new(RequestBudget::adaptive());
        for _ in 0..100 {
            budget.answered();
        }
        assert!(budget.rate_limited(Some(Duration::from_secs(10))).is_some());
        let learnt = budget.stats().limit;
        assert_eq!(learnt, Some((99, Duration::from_secs(10))));
        tokio::time::advance(Duration::from_secs(3_600)).await;
        assert_eq!(budget.stats().limit, learnt);
    }

    #[tokio::test(start_paused = true)]
    async fn an_interactive_call_dropped_while_it_waits_holds_no_background_call_back() {
        let budget = Arc::new(Budget::new(
            RequestBudget::per(10, Duration::from_secs(10)).burst(1),
        ));
        assert!(budget.admit_now(Priority::Interactive));
        // Cancelled by its caller halfway through its wait.
        let cancelled = tokio::time::timeout(
            Duration::from_millis(500),
            budget.acquire(Priority::Interactive, LONG),
        );
        assert!(cancelled.await.is_err());
        assert_eq!(budget.interactive_waiting.load(Ordering::Relaxed), 0);
        let start = Instant::now();
        budget.acquire(Priority::Background, LONG).await.unwrap();
        assert!(
            start.elapsed() <= Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_is_off() {
        let budget = Budget::new(RequestBudget::unlimited());
        assert_eq!(budget.rate_limited(Some(Duration::from_secs(60))), None);
        assert!(budget.admit_now(Priority::Background));
        assert_eq!(budget.stats(), BudgetStats::default());
    }
}
