//! A request budget shared by several clients through a real `redis-server` (the `redis` feature),
//! against the crate's mock with a rate limit: the Lua GCRA's burst and steady rate, three clients
//! with separate in-process budgets keeping together under one limit (and, without the shared
//! budget, meeting `429`s), a `429` pausing them all, and Redis killed and restarted mid-run.
//! Redis unreachable from the start (the local share, logged once) is in `tests/logs.rs`, whose
//! binary captures `tracing` output.
//!
//! The tests start `redis-server` on a free loopback port and kill it when done. Without
//! `redis-server` on the PATH they print why and pass, unless `POLAR_REQUIRE_REDIS=1` (CI), where
//! they fail.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use polar_client::{Error, NewCustomer, Polar, RedisBudget, RequestBudget};
use polar_client_mock::{Fault, MockPolar};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support;
use support::stored_once;

/// A `redis-server` of this test's own, killed on drop.
struct RedisServer {
    port: u16,
    child: Child,
}

impl RedisServer {
    /// Starts one on a free loopback port; `None` (after saying why) when `redis-server` is not
    /// installed and `POLAR_REQUIRE_REDIS` is not `1`.
    async fn start(test: &str) -> Option<Self> {
        let port = free_port();
        match Self::spawn(port).await {
            Some(server) => Some(server),
            None if std::env::var("POLAR_REQUIRE_REDIS").is_ok_and(|v| v == "1") => {
                panic!("{test}: redis-server is not on the PATH and POLAR_REQUIRE_REDIS=1")
            }
            None => {
                println!(
                    "skipped {test}: redis-server is not on the PATH (apt-get install redis-server)"
                );
                None
            }
        }
    }

    /// Starts `redis-server` on `port` and waits until it answers; `None` when it cannot start.
    async fn spawn(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = Self { port, child };
        for _ in 0..500 {
            if command(port, &["PING"]).await.as_deref() == Some("+PONG") {
                return Some(server);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("redis-server on port {port} did not answer within 5 s");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (as a crash would).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on (the OS's choice of a free one).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One Redis command over RESP, its first reply line (bulk strings: their content); `None` when
/// nothing answers.
async fn command(port: u16, args: &[&str]) -> Option<String> {
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    socket.write_all(request.as_bytes()).await.ok()?;
    let mut reply = vec![0; 512];
    let n = tokio::time::timeout(Duration::from_secs(1), socket.read(&mut reply))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&reply[..n]).into_owned();
    let mut lines = text.split("\r\n");
    let first = lines.next()?.to_owned();
    Some(if first.starts_with('$') && first != "$-1" {
        lines.next()?.to_owned()
    } else {
        first
    })
}

fn client(mock: &MockPolar, budget: RequestBudget) -> Polar {
    Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .request_budget(budget)
        .build()
        .unwrap()
}

/// Creates customers `first..first + n` through `polar`, `in_flight` at a time; when each
/// finished (since `start`), and the errors.
async fn create_range(
    polar: &Polar,
    first: usize,
    n: usize,
    in_flight: usize,
    start: Instant,
) -> (Vec<Duration>, Vec<String>) {
    let customers = polar.customers();
    let results: Vec<_> = stream::iter(first..first + n)
        .map(|i| {
            let create = customers.create(NewCustomer::individual(format!("user{i}@example.org")));
            async move { (create.await, start.elapsed()) }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let mut times: Vec<Duration> = results.iter().map(|(_, at)| *at).collect();
    times.sort();
    let errors = results
        .into_iter()
        .filter_map(|(result, _)| result.err().map(|e| e.to_string()))
        .collect();
    (times, errors)
}

/// Runs `per_client` creates through each client at once (distinct emails); all errors.
async fn create_through_all(clients: &[Polar], per_client: usize) -> Vec<String> {
    let start = Instant::now();
    let runs = clients.iter().enumerate().map(|(k, polar)| {
        let polar = polar.clone();
        tokio::spawn(
            async move { create_range(&polar, k * per_client, per_client, 16, start).await },
        )
    });
    let mut errors = Vec::new();
    for run in runs.collect::<Vec<_>>() {
        errors.extend(run.await.unwrap().1);
    }
    errors
}

/// The limit every test here keeps to: 200 requests in 2 s.
const LIMIT: u32 = 200;
const WINDOW: Duration = Duration::from_secs(2);

async fn limited_mock() -> MockPolar {
    MockPolar::builder()
        .rate_limit(LIMIT, WINDOW)
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lua_gcra_gives_a_burst_then_the_steady_rate_and_a_quiet_spell_refills_it() {
    let Some(redis) = RedisServer::start("the_lua_gcra").await else {
        return;
    };
    let mock = MockPolar::start().await.unwrap();
    let key = "polar:test:gcra";
    // 20 per 2 s, a burst of 5: then one slot every 2 s / 16 = 125 ms.
    let budget = RequestBudget::per(20, WINDOW)
        .burst(5)
        .shared_via_redis(RedisBudget::new(redis.url(), key));
    let polar = client(&mock, budget);
    let start = Instant::now();
    let (times, errors) = create_range(&polar, 0, 25, 25, start).await;
    assert!(errors.is_empty(), "{errors:?}");
    println!("25 creates through the shared budget: {times:?}");
    let stats = polar.budget_stats();
    assert_eq!((stats.shared, stats.local_fallback), (25, 0), "{stats:?}");
    assert_eq!(stats.waited, 20, "the burst of 5 had no wait: {stats:?}");
    let interval = Duration::from_millis(125);
    assert!(times[4] < interval, "the burst at once: {times:?}");
    // Then 20 more at the steady rate: the last one 20 intervals in.
    let last = times[24];
    assert!(last >= interval * 20, "{last:?}: faster than the limit");
    assert!(
        last <= interval * 24,
        "{last:?}: slower than the steady rate"
    );
    // The key holds the next slot's theoretical arrival time, in microseconds of Redis's clock.
    let tat: u64 = command(redis.port, &["GET", key])
        .await
        .and_then(|v| v.parse().ok())
        .expect("the budget's key in Redis");
    let ttl: i64 = command(redis.port, &["PTTL", key])
        .await
        .and_then(|v| v.trim_start_matches(':').parse().ok())
        .unwrap();
    assert!(tat > 1_700_000_000_000_000, "{tat}");
    assert!(
        (0..=5_000).contains(&ttl),
        "the key expires soon after it stops mattering: {ttl}"
    );
    // A quiet spell of a second past the last slot refills the burst, and only the burst.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let again = Instant::now();
    let (times, errors) = create_range(&polar, 25, 6, 6, again).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        polar.budget_stats().waited,
        21,
        "of the six, only the last waited"
    );
    assert!(times[5] >= interval, "{times:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_one_client_meets_pauses_the_others_sharing_its_budget() {
    let Some(redis) = RedisServer::start("a_429_pauses_the_fleet").await else {
        return;
    };
    let mock = MockPolar::start().await.unwrap();
    let shared = || {
        RequestBudget::per(100, Duration::from_secs(1))
            .shared_via_redis(RedisBudget::new(redis.url(), "polar:test:pause"))
    };
    let (first, second) = (client(&mock, shared()), client(&mock, shared()));
    mock.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
    );
    let met_429 = tokio::spawn(async move {
        first
            .customers()
            .create(NewCustomer::individual("first@example.org"))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The other client has met no 429, and its budget has a burst of 4 left: only the pause the
    // first one published in Redis holds it.
    let asked = Instant::now();
    second
        .customers()
        .create(NewCustomer::individual("second@example.org"))
        .await
        .unwrap();
    let waited = asked.elapsed();
    met_429.await.unwrap().unwrap();
    println!("the second client waited {waited:?} for the first one's pause");
    assert!(waited >= Duration::from_millis(600), "{waited:?}");
    assert!(waited <= Duration::from_millis(1_500), "{waited:?}");
    assert_eq!(second.budget_stats().rate_limited, 0);
    assert_eq!(stored_once(&mock), 2);
}

#[test]
fn a_malformed_redis_url_or_an_adaptive_shared_budget_fails_the_build() {
    let build = |budget: RequestBudget| {
        Polar::builder()
            .access_token("polar_oat_example")
            .request_budget(budget)
            .build()
    };
    let malformed = build(
        RequestBudget::per_minute(500)
            .shared_via_redis(RedisBudget::new("http://:s3cret@nowhere", "k")),
    )
    .unwrap_err();
    assert!(
        matches!(malformed, Error::InvalidConfig { .. }),
        "{malformed:?}"
    );
    assert!(!malformed.to_string().contains("s3cret"), "{malformed}");
    let adaptive = build(
        RequestBudget::adaptive().shared_via_redis(RedisBudget::new("redis://127.0.0.1", "k")),
    )
    .unwrap_err();
    assert!(adaptive.to_string().contains("needs a limit"), "{adaptive}");
}

/// Three clients, each with its own in-process budget, sharing `key` in `redis` (or not).
fn three_clients(mock: &MockPolar, shared: Option<(&str, &str)>) -> Vec<Polar> {
    (0..3)
        .map(|_| {
            let budget = RequestBudget::per(LIMIT, WINDOW);
            let budget = match shared {
                Some((url, key)) => budget.shared_via_redis(
                    RedisBudget::new(url, key)
                        .local_share(1.0 / 3.0)
                        .retry_every(Duration::from_millis(100)),
                ),
                None => budget,
            };
            client(mock, budget)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_sharing_one_redis_budget_stay_under_the_limit_together() {
    let Some(redis) = RedisServer::start("three_clients_sharing").await else {
        return;
    };
    let mock = limited_mock().await;
    let clients = three_clients(&mock, Some((&redis.url(), "polar:test:fleet")));
    let started = Instant::now();
    let errors = create_through_all(&clients, 150).await;
    let took = started.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored_once(&mock), 450, "every create done exactly once");
    let refused = mock.rate_limited_count();
    let shared: u64 = clients.iter().map(|c| c.budget_stats().shared).sum();
    println!("3 clients x 150 creates sharing {LIMIT} per {WINDOW:?}: {took:?}, {refused} 429s");
    assert_eq!(refused, 0, "together they stayed under the limit");
    assert_eq!(shared, 450, "every slot came from Redis");
    // 450 requests at 200 per 2 s: a burst of 9, then one every 2 s / 190.
    let plan = Duration::from_secs(2) * 441 / 190;
    assert!(
        took >= plan,
        "{took:?}: faster than the shared limit allows"
    );
    assert!(
        took <= plan * 13 / 10,
        "{took:?}: much slower than the limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_without_the_shared_budget_do_meet_429s() {
    // The control for the test above: the same three clients with separate budgets of the whole
    // limit each together go over it.
    let mock = limited_mock().await;
    let clients = three_clients(&mock, None);
    let errors = create_through_all(&clients, 100).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored_once(&mock), 300);
    let refused = mock.rate_limited_count();
    println!("3 clients x 100 creates, separate budgets: {refused} 429s");
    assert!(refused > 0, "three times the limit met no 429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_killed_mid_run_the_clients_go_on_with_their_local_share_and_come_back() {
    let Some(mut redis) = RedisServer::start("redis_killed_mid_run").await else {
        return;
    };
    let port = redis.port;
    let mock = limited_mock().await;
    let clients = three_clients(&mock, Some((&redis.url(), "polar:test:outage")));
    let shared =
        |clients: &[Polar]| -> u64 { clients.iter().map(|c| c.budget_stats().shared).sum() };
    let run = {
        let clients = clients.clone();
        tokio::spawn(async move { create_through_all(&clients, 200).await })
    };
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    redis.kill();
    // Slots Redis reserved before it died are still being waited for (48 calls in flight, 10 ms
    // apart): count once they are through.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before_outage = shared(&clients);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let during_outage = shared(&clients);
    let fallback: u64 = clients
        .iter()
        .map(|c| c.budget_stats().local_fallback)
        .sum();
    // Back on the same port: the clients find it again within their `retry_every`.
    let restarted = RedisServer::spawn(port)
        .await
        .expect("redis-server restarts");
    let errors = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("no hang")
        .unwrap();
    let after = shared(&clients);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored_once(&mock), 600, "every create done exactly once");
    let refused = mock.rate_limited_count();
    println!(
        "600 creates, Redis killed at 1.5 s and back at 3 s: shared {before_outage} before, \
         {during_outage} by the restart, {after} in all; local share {fallback} during; {refused} 429s"
    );
    assert!(before_outage > 0);
    // The local shares start where the fleet's reservations end, without a burst (measured: no
    // 429 at all); at worst each client meets one and pauses.
    assert!(refused <= 3, "{refused} 429s");
    assert!(fallback > 0, "the local share served while Redis was away");
    assert_eq!(during_outage, before_outage, "no slot from a dead Redis");
    assert!(
        after > during_outage,
        "back to Redis once it answered again"
    );
    drop(restarted);
}
