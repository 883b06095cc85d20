//! A request budget shared by every replica of a service through Redis (the `redis` feature).
//!
//! Each request takes its slot with one atomic step of GCRA (the generic cell rate algorithm) run
//! inside Redis by one Lua script: the script reads Redis's own clock, so the replicas' clocks need
//! not agree, and it reserves the slot and says how long to wait for it, or refuses when the wait
//! would outlast the call's deadline. The key holds one number, the theoretical arrival time of the
//! next slot in microseconds, and expires when it no longer matters (an absent key is a full
//! burst). A `429` seen by one replica moves that time past the pause, so every replica pauses.
//!
//! Redis only decides *when* a call is sent, never *whether*: every Redis call here is bounded by
//! a timeout, and when Redis does not answer in time (down, slow, unreachable from the start) the
//! budget falls back to a local share of the limit, logs that once, and asks Redis again now and
//! then. A call is never lost, doubled or held forever because of Redis.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::time::Instant;

/// The default bound on each call to Redis (connecting included).
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(50);

/// The default time between two attempts to reach Redis again while it is away.
pub const DEFAULT_REDIS_RETRY: Duration = Duration::from_secs(1);

/// The default local share: the part of the limit one replica keeps to while Redis is away.
pub const DEFAULT_LOCAL_SHARE: f64 = 0.25;

/// Parts per million, the unit the local share is kept in (so that the budget stays `Eq`).
const PPM: u32 = 1_000_000;

/// One GCRA step on the key `KEYS[1]`, with Redis's clock, in microseconds.
///
/// `ARGV`: the interval between slots, the tolerance (how far ahead of the clock the theoretical
/// arrival time may run: the burst), the longest wait the caller accepts, and a pause (when not
/// zero, the script only moves the arrival time past it, so that no slot starts before it ends).
/// Returns `{1, wait, next}` for a slot reserved `wait` from now (`next`: when the slot after it
/// is free, from now), `{0, wait, wait}` when the first slot is further away than the caller
/// accepts (nothing reserved), `{2, 0, 0}` for a pause.
const GCRA: &str = r"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local pause = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
if pause > 0 then
  local resume = now + pause + tolerance
  if resume > tat then tat = resume end
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
  return {2, 0, 0}
end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait, wait} end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.floor((next_tat - now) / 1000) + 1000)
local next_free = next_tat - tolerance - now
if next_free < 0 then next_free = 0 end
return {1, wait, next_free}
";

/// Where a client's request budget is kept when it is shared by a fleet: a Redis server and a
/// key, one per organization (Polar's limit is per organization), plus what each replica does
/// while Redis is away. Give it to [`RequestBudget::shared_via_redis`].
///
/// Every replica built with the same key and the same limit shares that limit: each request takes
/// its slot in Redis (one round trip, one Lua script). When Redis does not answer within
/// [`timeout`](Self::timeout) — down, slow, or unreachable from the start — the client keeps to
/// its [`local_share`](Self::local_share) of the limit, logs that once (a `tracing` warning), and
/// tries Redis again every [`retry_every`](Self::retry_every). Redis only decides when a request
/// is sent: no call is lost or sent twice because of it.
///
/// The URL's password, if any, never appears in `Debug` output or logs.
///
/// [`RequestBudget::shared_via_redis`]: crate::RequestBudget::shared_via_redis
///
/// # Examples
/// Three replicas of a service sharing production's 500 requests a minute:
/// ```
/// use std::time::Duration;
/// use polar_client::{Polar, RedisBudget, RequestBudget};
///
/// let fleet = RedisBudget::new("redis://127.0.0.1:6379", "polar:budget:acme")
///     .local_share(1.0 / 3.0)
///     .timeout(Duration::from_millis(20));
/// let polar = Polar::builder()
///     .access_token("polar_oat_example")
///     .request_budget(RequestBudget::per_minute(500).shared_via_redis(fleet))
///     .build()?;
/// # let _ = polar;
/// # Ok::<(), polar_client::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RedisBudget {
    url: String,
    key: String,
    share_ppm: u32,
    timeout: Duration,
    retry_every: Duration,
}

impl RedisBudget {
    /// The budget kept in Redis at `url` (`redis://[:password@]host[:port][/db]`, or `rediss://`
    /// when the `redis` crate is built with TLS) under `key` — e.g. `polar:budget:<organization>`:
    /// every client with the same key shares one limit.
    ///
    /// Nothing connects yet: the URL is checked when the client is built
    /// ([`PolarBuilder::build`](crate::PolarBuilder::build) fails with [`Error::InvalidConfig`] on a
    /// malformed one), and the first request connects.
    ///
    /// [`Error::InvalidConfig`]: crate::Error::InvalidConfig
    ///
    /// ```
    /// let fleet = polar_client::RedisBudget::new("redis://127.0.0.1:6379", "polar:budget:acme");
    /// assert_eq!(fleet.key(), "polar:budget:acme");
    /// ```
    pub fn new(url: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key: key.into(),
            share_ppm: share_ppm(DEFAULT_LOCAL_SHARE),
            timeout: DEFAULT_REDIS_TIMEOUT,
            retry_every: DEFAULT_REDIS_RETRY,
        }
    }

    /// The part of the limit this replica keeps to while Redis is away (default
    /// [`DEFAULT_LOCAL_SHARE`], a quarter): `1.0 / replicas` keeps the fleet under the limit when
    /// every replica has lost Redis. Clamped to `0.000001..=1.0` (a NaN counts as the default).
    ///
    /// ```
    /// let fleet = polar_client::RedisBudget::new("redis://127.0.0.1", "polar:budget:acme")
    ///     .local_share(1.0 / 3.0);
    /// assert!((fleet.share() - 1.0 / 3.0).abs() < 1e-6);
    /// ```
    pub fn local_share(mut self, share: f64) -> Self {
        self.share_ppm = share_ppm(share);
        self
    }

    /// The longest any call to Redis may take, connecting included (default
    /// [`DEFAULT_REDIS_TIMEOUT`], 50 ms); past it, the request takes its slot from the local
    /// share instead. Zero counts as one millisecond.
    ///
    /// ```
    /// use std::time::Duration;
    /// let fleet = polar_client::RedisBudget::new("redis://127.0.0.1", "polar:budget:acme")
    ///     .timeout(Duration::from_millis(10));
    /// assert_eq!(fleet.call_timeout(), Duration::from_millis(10));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long the client keeps to its local share after Redis failed before it tries Redis
    /// again (default [`DEFAULT_REDIS_RETRY`], one second). Zero counts as one millisecond.
    ///
    /// ```
    /// use std::time::Duration;
    /// let fleet = polar_client::RedisBudget::new("redis://127.0.0.1", "polar:budget:acme")
    ///     .retry_every(Duration::from_secs(5));
    /// # let _ = fleet;
    /// ```
    pub fn retry_every(mut self, every: Duration) -> Self {
        self.retry_every = every.max(Duration::from_millis(1));
        self
    }

    /// The key the budget is kept under.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The local share, as set by [`local_share`](Self::local_share).
    pub fn share(&self) -> f64 {
        f64::from(self.share_ppm) / f64::from(PPM)
    }

    /// The bound on each call to Redis, as set by [`timeout`](Self::timeout).
    pub fn call_timeout(&self) -> Duration {
        self.timeout
    }

    /// `requests` scaled to the local share, rounded down (so that the shares of a fleet add up
    /// to no more than the limit), at least one. One part per million more makes up for the share
    /// kept in whole parts per million: a third of 300 is 100.
    pub(crate) fn share_of(&self, requests: u32) -> u32 {
        let scaled = (u64::from(requests) * u64::from(self.share_ppm) + u64::from(requests))
            / u64::from(PPM);
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    }
}

/// `share` in parts per million, clamped.
fn share_ppm(share: f64) -> u32 {
    let share = if share.is_nan() {
        DEFAULT_LOCAL_SHARE
    } else {
        share
    };
    // In 1..=PPM, so the conversion cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ppm = (share.clamp(0.0, 1.0) * f64::from(PPM)).round() as u32;
    ppm.clamp(1, PPM)
}

/// The URL without its password, for `Debug` and logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://<redacted>@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("url", &redacted(&self.url))
            .field("key", &self.key)
            .field("local_share", &self.share())
            .field("timeout", &self.timeout)
            .field("retry_every", &self.retry_every)
            .finish()
    }
}

/// What Redis said about one request's slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// A slot is reserved this far from now.
    Reserved(Duration),
    /// The first slot is this far away, more than the caller accepts; nothing reserved.
    TooFar(Duration),
}

/// The GCRA parameters of the shared limit, in microseconds (Redis's clock's unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SharedPace {
    /// Between two slots at the steady rate.
    pub(crate) interval_us: u64,
    /// The burst, as how far ahead of the clock slots may be taken.
    pub(crate) tolerance_us: u64,
    /// The part of the burst background calls may not use.
    pub(crate) reserve_us: u64,
}

/// A client's link to its Redis budget: the connection, and whether Redis is away.
pub(crate) struct Fleet {
    client: redis::Client,
    /// The GCRA script (its SHA1 computed once; `EVALSHA`, loaded when Redis lacks it).
    script: redis::Script,
    key: String,
    /// The URL without its password, for logs.
    url: String,
    /// The bound on each call to Redis, connecting included.
    timeout: Duration,
    retry_every: Duration,
    /// The shared limit, as the script takes it.
    pub(crate) pace: SharedPace,
    /// The zero of the `ns since origin` fields below.
    origin: Instant,
    /// The connection while Redis answers (a multiplexed connection: clones share it).
    conn: Mutex<Option<MultiplexedConnection>>,
    /// One connection attempt at a time.
    connecting: tokio::sync::Mutex<()>,
    /// No connection attempt before this, ns since `origin` (set when Redis fails).
    retry_at: AtomicU64,
    /// Redis is away (logged once until it answers again).
    away: AtomicBool,
    /// How many times Redis went away so far.
    outages: AtomicU64,
    /// The outages the client has started its local share for.
    outages_seen: AtomicU64,
    /// The outages whose local slots the client has handed back to Redis.
    handed_back: AtomicU64,
    /// The fleet's next free slot in Redis, as last heard, ns since `origin`: the slots before
    /// it are reserved by some replica.
    next_free: AtomicU64,
    /// When Redis last answered, ns since `origin`.
    heard: AtomicU64,
}

impl Fleet {
    /// A link to the budget `config` describes, pacing at `pace`; connects on first use.
    ///
    /// # Errors
    /// The URL's problem when it is not a Redis URL.
    pub(crate) fn new(config: &RedisBudget, pace: SharedPace) -> Result<Self, String> {
        let client = redis::Client::open(config.url.as_str()).map_err(|error| {
            format!(
                "the Redis URL of the request budget ({}) is not valid: {error}",
                redacted(&config.url)
            )
        })?;
        Ok(Self {
            client,
            script: redis::Script::new(GCRA),
            key: config.key.clone(),
            url: redacted(&config.url),
            timeout: config.timeout,
            retry_every: config.retry_every,
            pace,
            origin: Instant::now(),
            conn: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            retry_at: AtomicU64::new(0),
            away: AtomicBool::new(false),
            outages: AtomicU64::new(0),
            outages_seen: AtomicU64::new(0),
            handed_back: AtomicU64::new(0),
            next_free: AtomicU64::new(0),
            heard: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Reserves a slot for one request with `tolerance_us` of burst, unless the first one is more
    /// than `max_wait` away. `None`: Redis is away; take the slot from the local share.
    pub(crate) async fn reserve(&self, tolerance_us: u64, max_wait: Duration) -> Option<Reply> {
        let max_wait_us = u64::try_from(max_wait.as_micros()).unwrap_or(u64::MAX);
        let (code, wait_us, next_us) = self
            .run(self.pace.interval_us, tolerance_us, max_wait_us, 0)
            .await?;
        let wait = Duration::from_micros(wait_us);
        if code != 1 {
            return Some(Reply::TooFar(wait));
        }
        let now = self.now();
        let next_free = now.saturating_add(next_us.saturating_mul(1_000));
        self.next_free.fetch_max(next_free, Ordering::AcqRel);
        self.heard.fetch_max(now, Ordering::AcqRel);
        Some(Reply::Reserved(wait))
    }

    /// Where the local share starts, the first time it is asked since Redis went away. While the
    /// fleet's reserved slots, as last heard, still run, the other replicas may have kept
    /// reserving at the shared rate since: the start keeps the lead those slots had on the clock
    /// then. Once they are past, what was heard says nothing: now. `None` when already asked for
    /// this outage.
    pub(crate) fn local_start(&self) -> Option<Instant> {
        let outages = self.outages.load(Ordering::Acquire);
        if self.outages_seen.swap(outages, Ordering::AcqRel) == outages {
            return None;
        }
        let now = self.now();
        let next_free = self.next_free.load(Ordering::Acquire);
        let start = if next_free > now {
            let lead = next_free.saturating_sub(self.heard.load(Ordering::Acquire));
            now.saturating_add(lead)
        } else {
            now
        };
        Some(self.origin + Duration::from_nanos(start))
    }

    /// Whether the client has used its local share in an outage and not yet handed those slots
    /// back (see [`handed_back`](Self::handed_back)).
    pub(crate) fn owes_hand_back(&self) -> bool {
        self.handed_back.load(Ordering::Acquire) != self.outages_seen.load(Ordering::Acquire)
    }

    /// Notes that the local share's slots are handed back (published as a pause).
    pub(crate) fn handed_back(&self) {
        self.handed_back
            .store(self.outages_seen.load(Ordering::Acquire), Ordering::Release);
    }

    /// Moves the shared budget past a pause of `pause` from now, so that every replica pauses,
    /// then goes on at the steady rate. Best effort: `false` when Redis is away.
    pub(crate) async fn pause(&self, pause: Duration) -> bool {
        let pause_us = u64::try_from(pause.as_micros()).unwrap_or(u64::MAX).max(1);
        self.run(self.pace.interval_us, self.pace.tolerance_us, 0, pause_us)
            .await
            .is_some()
    }

    /// One run of the script, bounded by the timeout; `None` when Redis did not answer.
    async fn run(
        &self,
        interval_us: u64,
        tolerance_us: u64,
        max_wait_us: u64,
        pause_us: u64,
    ) -> Option<(u8, u64, u64)> {
        let mut conn = self.connection().await?;
        let mut invocation = self.script.key(&self.key);
        invocation
            .arg(interval_us)
            .arg(tolerance_us)
            .arg(max_wait_us)
            .arg(pause_us);
        let answer = tokio::time::timeout(
            self.timeout,
            invocation.invoke_async::<(i64, i64, i64)>(&mut conn),
        )
        .await;
        match answer {
            Ok(Ok((code, wait, next))) => {
                self.answered();
                Some((
                    u8::try_from(code).unwrap_or(0),
                    u64::try_from(wait).unwrap_or(0),
                    u64::try_from(next).unwrap_or(0),
                ))
            }
            Ok(Err(error)) => {
                self.failed(&error.to_string());
                None
            }
            Err(_elapsed) => {
                self.failed("no answer within the timeout");
                None
            }
        }
    }

    /// The connection, or a new one when it is time to try again; `None` while Redis is away.
    async fn connection(&self) -> Option<MultiplexedConnection> {
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        if self.now() < self.retry_at.load(Ordering::Acquire) {
            return None;
        }
        // Calls that arrive while one connects wait for it (at most the timeout): at start-up
        // this keeps them from all taking local slots on top of the shared ones.
        let _connecting = self.connecting.lock().await;
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        if self.now() < self.retry_at.load(Ordering::Acquire) {
            return None;
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(self.timeout, connect).await {
            Ok(Ok(conn)) => {
                *self.lock() = Some(conn.clone());
                Some(conn)
            }
            Ok(Err(error)) => {
                self.failed(&error.to_string());
                None
            }
            Err(_elapsed) => {
                self.failed("no connection within the timeout");
                None
            }
        }
    }

    fn current(&self) -> Option<MultiplexedConnection> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Redis answered: back from an outage, if there was one.
    fn answered(&self) {
        if self.away.swap(false, Ordering::AcqRel) {
            tracing::info!(
                redis = %self.url,
                key = %self.key,
                "request budget: Redis answers again; back to the shared budget"
            );
        }
    }

    /// Redis failed: drop the connection, keep to the local share until `retry_every` has passed;
    /// a warning the first time only (until Redis answers again).
    fn failed(&self, error: &str) {
        *self.lock() = None;
        let retry_at = self
            .now()
            .saturating_add(u64::try_from(self.retry_every.as_nanos()).unwrap_or(u64::MAX));
        self.retry_at.store(retry_at, Ordering::Release);
        if self.away.swap(true, Ordering::AcqRel) {
            tracing::debug!(redis = %self.url, error, "request budget: Redis still away");
        } else {
            self.outages.fetch_add(1, Ordering::AcqRel);
            tracing::warn!(
                redis = %self.url,
                key = %self.key,
                error,
                retry_every_ms = u64::try_from(self.retry_every.as_millis()).unwrap_or(u64::MAX),
                "request budget: Redis is unreachable; keeping to this client's local share of the \
                 limit until it answers again"
            );
        }
    }

    /// Whether Redis is away now (for stats).
    pub(crate) fn is_away(&self) -> bool {
        self.away.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("redis", &self.url)
            .field("key", &self.key)
            .field("pace", &self.pace)
            .field("away", &self.is_away())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let fleet = RedisBudget::new("redis://:hunter2@cache.internal:6380/2", "k");
        let debug = format!("{fleet:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("cache.internal:6380/2"), "{debug}");
        assert_eq!(redacted("redis://127.0.0.1"), "redis://127.0.0.1");
    }

    fn fleet() -> Fleet {
        let pace = SharedPace {
            interval_us: 10_000,
            tolerance_us: 40_000,
            reserve_us: 20_000,
        };
        Fleet::new(&RedisBudget::new("redis://127.0.0.1:1", "k"), pace).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_local_share_starts_where_the_fleets_reserved_slots_end_once_per_outage() {
        let fleet = fleet();
        assert_eq!(fleet.local_start(), None, "no outage yet");
        assert!(!fleet.owes_hand_back());
        // Last heard at 1 s: the fleet's next free slot 300 ms later.
        tokio::time::advance(Duration::from_secs(1)).await;
        fleet.heard.store(fleet.now(), Ordering::Release);
        fleet
            .next_free
            .store(fleet.now() + 300_000_000, Ordering::Release);
        tokio::time::advance(Duration::from_millis(100)).await;
        fleet.failed("connection refused");
        assert!(fleet.is_away());
        // 100 ms unheard: the others may have reserved that much more (the same 300 ms lead).
        let start = fleet.local_start().unwrap();
        assert_eq!(start - fleet.origin, Duration::from_millis(1_400));
        assert_eq!(fleet.local_start(), None, "once per outage");
        assert!(fleet.owes_hand_back());
        fleet.handed_back();
        assert!(!fleet.owes_hand_back());
        // Still away, a retry fails again: the same outage.
        fleet.failed("connection refused");
        assert_eq!(fleet.local_start(), None);
        // Back, then away again: a new outage, starting now when the slots heard of are past.
        fleet.answered();
        assert!(!fleet.is_away());
        tokio::time::advance(Duration::from_secs(5)).await;
        fleet.failed("timeout");
        let start = fleet.local_start().unwrap();
        assert_eq!(start, Instant::now());
        assert!(fleet.owes_hand_back());
    }

    #[tokio::test(start_paused = true)]
    async fn while_redis_is_away_no_connection_is_tried_before_retry_every() {
        let fleet = fleet();
        fleet.failed("connection refused");
        // The port is closed; within `retry_every` nothing is even tried.
        assert!(fleet.connection().await.is_none());
        assert!(fleet.retry_at.load(Ordering::Acquire) > fleet.now());
    }

    #[test]
    fn the_share_is_clamped_and_scales_the_limit() {
        let fleet = RedisBudget::new("redis://127.0.0.1", "k");
        assert_eq!(fleet.share_of(500), 125);
        assert_eq!(fleet.clone().local_share(1.0 / 3.0).share_of(300), 100);
        assert_eq!(fleet.clone().local_share(1.0 / 3.0).share_of(200), 66);
        assert_eq!(fleet.clone().local_share(7.0).share_of(300), 300);
        assert_eq!(fleet.clone().local_share(-1.0).share_of(300), 1);
        assert_eq!(fleet.local_share(f64::NAN).share_of(500), 125);
    }
}
