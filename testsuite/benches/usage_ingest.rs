//! Client CPU per ingested event and events per second, three ways against the same canned
//! loopback server (a child process answering every request with
//! `200 {"inserted":0,"duplicates":0}` and the current `Date`, doing no other work), and the peak
//! memory of an ingestor whose server is slower than its producer.
//!
//! What each side does per event, inside the measured time:
//! - both build the same `NewEvent` (an external customer, a name, two metadata entries, no
//!   `external_id`, no timestamp) and send the same JSON for it: with a random version-4
//!   `external_id` and the time it was handed over, serialized by `NewEvent`'s own `Serialize`,
//!   1,000 events per `POST /v1/events/ingest`, one request at a time;
//! - the `Ingestor` (one producer task, `send`, batches of 1,000, no rate limit) also checks
//!   every event as Polar would, sizes it against the 10 MiB body limit, queues it in its
//!   bounded channel, and decodes Polar's answer into its typed counts, with its retry loop,
//!   counters and report;
//! - the hand-written batcher (the floor: what a careful service would write on the same stack)
//!   collects the events into a `Vec`, gives each an `external_id` and the time, serializes each
//!   chunk of 1,000 straight into one body (`serde_json::to_vec`), posts it with reqwest (the
//!   client's own settings: no redirects, the same timeout, the same headers), and decodes the
//!   answer into a `serde_json::Value`; no checks, no retries, no queue;
//! - one `events().ingest` call per event: the plain call, 1,000 requests.
//!
//! A warm-up round of each batched side comes first, not counted. Rounds alternate the order; the
//! summary prints the medians, the median of the rounds' ratios (each round runs the sides back
//! to back: the paired comparison the goal is checked with) and the ratio of the medians, all
//! measured in this run; then the events per second of the ingestor and of one call per event
//! by the wall clock, and their ratio at equal request rates (Polar limits requests, not events,
//! so that ratio is the events per request). Then the memory part: for each queue capacity, a
//! child process runs an ingestor against a canned server that takes 10 ms per answer, with a
//! producer that hands events over as fast as `send` takes them, and prints its peak RSS
//! (`VmHWM`).
//!
//! ```sh
//! cargo bench -p polar-client-tests --bench usage_ingest     # release
//! cargo test -p polar-client-tests --bench usage_ingest      # a quick debug run (figures not representative)
//! POLAR_BENCH_ONLY=ingestor:200000[:QUEUE] target/release/deps/usage_ingest-…  # one side, for a profiler
//! ```

#[allow(dead_code)] // Shared with the other harnesses; this one uses the CPU readings.
#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use polar_client::{NewEvent, Polar};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SERVE_ENV: &str = "POLAR_BENCH_SERVE_INGEST";
/// Set in the server child: milliseconds to wait before each answer.
const DELAY_ENV: &str = "POLAR_BENCH_ANSWER_DELAY_MS";
/// Set in a memory child: `queue capacity,events`.
const MEMORY_ENV: &str = "POLAR_BENCH_MEMORY";
/// `ingestor:N` or `batcher:N`: runs one side alone (for `valgrind --tool=callgrind`).
const ONLY_ENV: &str = "POLAR_BENCH_ONLY";
const TOKEN: &str = "polar_oat_bench";
const BODY: &str = r#"{"inserted":0,"duplicates":0}"#;
/// Events per batched run, and per run of one call per event.
const BATCHED_EVENTS: usize = 20_000;
const SINGLE_EVENTS: usize = 1_000;
const ROUNDS: usize = 9;
const BATCH: usize = 1_000;
/// The ingestor's queue in the CPU runs: its default.
const QUEUE: usize = 10_000;

/// One measured run.
type Run<'a> = Box<dyn Fn() -> Measured + 'a>;

/// What one run measured.
#[derive(Clone, Copy)]
struct Measured {
    /// Process CPU nanoseconds per event.
    cpu_ns: f64,
    /// Events per second, by the wall clock.
    per_second: f64,
}

fn main() {
    if std::env::var_os(SERVE_ENV).is_some() {
        serve();
        return;
    }
    if let Some(spec) = std::env::var_os(MEMORY_ENV) {
        memory_child(&spec.to_string_lossy());
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test` does not: a short run then.
    let full = std::env::args().any(|arg| arg == "--bench");
    if let Some(spec) = std::env::var_os(ONLY_ENV) {
        only(&spec.to_string_lossy());
        return;
    }
    let sizes = if full {
        Sizes {
            batched: BATCHED_EVENTS,
            single: SINGLE_EVENTS,
            rounds: ROUNDS,
        }
    } else {
        Sizes {
            batched: 2_000,
            single: 50,
            rounds: 1,
        }
    };
    cpu(&sizes);
    memory(full);
}

/// How much a CPU run sends.
struct Sizes {
    batched: usize,
    single: usize,
    rounds: usize,
}

/// What the two batched sides send through, set up once.
struct Clients {
    polar: Polar,
    raw: reqwest::Client,
    url: String,
}

impl Clients {
    fn new(base_url: &str) -> Self {
        let polar = Polar::builder()
            .access_token(TOKEN)
            .base_url(base_url)
            .build()
            .expect("client");
        let raw = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(polar_client::DEFAULT_TIMEOUT)
            .build()
            .expect("raw client");
        Self {
            polar,
            raw,
            url: format!("{base_url}/v1/events/ingest"),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// One side alone, for a profiler: `ingestor:N` or `batcher:N`.
fn only(spec: &str) {
    let mut parts = spec.split(':');
    let side = parts.next().unwrap_or("ingestor");
    let events: usize = parts.next().map_or(100_000, |n| n.parse().expect("events"));
    let queue: usize = parts.next().map_or(QUEUE, |n| n.parse().expect("queue"));
    let server = Server::spawn(0);
    let runtime = runtime();
    let clients = Clients::new(&server.base_url);
    let measured = match side {
        "ingestor" => measure(events, || {
            runtime.block_on(run_ingestor(&clients.polar, events, queue));
        }),
        _ => measure(events, || {
            runtime.block_on(run_batcher(&clients.raw, &clients.url, events));
        }),
    };
    println!(
        "{side}: {:.0} ns per event over {events} events",
        measured.cpu_ns
    );
}

fn cpu(sizes: &Sizes) {
    let server = Server::spawn(0);
    let runtime = runtime();
    let clients = Clients::new(&server.base_url);
    let (mut ingestor, mut batcher, mut single) = (Vec::new(), Vec::new(), Vec::new());
    // Events per second by the wall clock, ingestor and one call per event.
    let (mut ingestor_rate, mut single_rate) = (Vec::new(), Vec::new());
    // One round of each batched side first, not counted: both open their connection and grow the
    // heap there (the first measured round was 1.2-1.3x the others for both, unevenly).
    runtime.block_on(run_ingestor(&clients.polar, sizes.batched, QUEUE));
    runtime.block_on(run_batcher(&clients.raw, &clients.url, sizes.batched));
    for round in 0..sizes.rounds {
        let mut runs: Vec<(&str, Run<'_>)> = vec![
            (
                "ingestor",
                Box::new(|| {
                    measure(sizes.batched, || {
                        runtime.block_on(run_ingestor(&clients.polar, sizes.batched, QUEUE));
                    })
                }),
            ),
            (
                "batcher",
                Box::new(|| {
                    measure(sizes.batched, || {
                        runtime.block_on(run_batcher(&clients.raw, &clients.url, sizes.batched));
                    })
                }),
            ),
            (
                "single",
                Box::new(|| {
                    measure(sizes.single, || {
                        runtime.block_on(run_single(&clients.polar, sizes.single));
                    })
                }),
            ),
        ];
        if round % 2 == 1 {
            runs.reverse();
        }
        for (name, run) in runs {
            let measured = run();
            match name {
                "ingestor" => {
                    ingestor.push(measured.cpu_ns);
                    ingestor_rate.push(measured.per_second);
                }
                "batcher" => batcher.push(measured.cpu_ns),
                _ => {
                    single.push(measured.cpu_ns);
                    single_rate.push(measured.per_second);
                }
            }
        }
    }
    // Each round runs the sides back to back, so a round's ratio compares runs made under the
    // same load; the machine's state drifts between rounds (the rounds of one side spread by a
    // third), which a ratio of the two sides' medians would mix in.
    let paired: Vec<f64> = ingestor.iter().zip(&batcher).map(|(i, b)| i / b).collect();
    let spread = |runs: &[f64], digits: usize| {
        runs.iter()
            .map(|value| format!("{value:.digits$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rounds = sizes.rounds;
    println!(
        "client CPU per event, median of {rounds} rounds (process CPU, server in a child process):"
    );
    let (i, b, s) = (
        median(&mut ingestor.clone()),
        median(&mut batcher.clone()),
        median(&mut single),
    );
    println!("  ingestor (batches of {BATCH}):          {i:>10.0} ns");
    println!("  hand-written batcher, same stack:    {b:>10.0} ns");
    println!("  one ingest call per event:           {s:>10.0} ns");
    println!(
        "  ingestor / hand-written batcher:     {:>10.2}  (median of the rounds' ratios)",
        median(&mut paired.clone())
    );
    println!("  ratio of the medians:                {:>10.2}", i / b);
    println!("  one call per event / ingestor:       {:>10.1}", s / i);
    println!(
        "  rounds in order (ns): ingestor [{}], batcher [{}], ratios [{}]",
        spread(&ingestor, 0),
        spread(&batcher, 0),
        spread(&paired, 2)
    );
    // Polar limits requests (500 a minute per organization), not events: at equal request
    // rates, events per second compare as events per request.
    let (ir, sr) = (median(&mut ingestor_rate), median(&mut single_rate));
    println!("throughput by the wall clock, one request at a time, median of {rounds} rounds:");
    println!(
        "  ingestor:                  {ir:>10.0} events/s in {:>7.1} requests/s ({BATCH} events a request)",
        ir / BATCH as f64
    );
    println!("  one ingest call per event: {sr:>10.0} events/s in {sr:>7.1} requests/s");
    println!(
        "  ingestor / one call per event: {:.0}x the events per second here; {BATCH}x at equal request rates",
        ir / sr
    );
}

/// Peak RSS by queue capacity, each in a child process of its own.
fn memory(full: bool) {
    let runs: &[(usize, usize)] = if full {
        &[
            (1_000, 300_000),
            (10_000, 100_000),
            (10_000, 300_000),
            (10_000, 1_000_000),
            (100_000, 300_000),
        ]
    } else {
        &[(1_000, 5_000), (10_000, 20_000)]
    };
    println!(
        "peak RSS of an ingestor whose server takes {SLOW_ANSWER_MS} ms per batch of {BATCH} (producer faster), one process each:"
    );
    let program = std::env::current_exe().expect("own path");
    for (queue, events) in runs {
        let output = Command::new(&program)
            .env(MEMORY_ENV, format!("{queue},{events}"))
            .output()
            .expect("memory child");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "memory child failed: {text}");
        println!("  {}", text.trim());
    }
}

/// Milliseconds the slow server takes per answer in the memory runs.
const SLOW_ANSWER_MS: u64 = 10;

/// A memory run: an ingestor with this queue capacity sends this many events to a slow server;
/// prints the process's peak RSS before the ingestor started and at the end.
fn memory_child(spec: &str) {
    let (queue, events) = spec.split_once(',').expect("queue,events");
    let (queue, events): (usize, usize) = (
        queue.parse().expect("queue"),
        events.parse().expect("events"),
    );
    let server = Server::spawn(SLOW_ANSWER_MS);
    let runtime = runtime();
    let clients = Clients::new(&server.base_url);
    let before = support::max_rss_kib().unwrap_or(0);
    let peak_queued = runtime.block_on(async {
        let ingestor = clients
            .polar
            .events()
            .ingestor()
            .max_batch(BATCH)
            .queue(queue)
            .max_delay(Duration::from_millis(20))
            .max_requests_per_second(0.0)
            .start()
            .expect("ingestor");
        let mut peak = 0;
        for n in 0..events {
            ingestor.send(event(n)).await.expect("send");
            if n % 1_000 == 0 {
                peak = peak.max(ingestor.stats().queued);
            }
        }
        let report = ingestor.close().await;
        assert_eq!(
            report.stats.inserted + report.stats.duplicates,
            events as u64
        );
        peak
    });
    let after = support::max_rss_kib().unwrap_or(0);
    println!(
        "queue {queue:>7}, {events:>9} events: peak RSS {after:>7} KiB ({:>+7} KiB over the process before the ingestor), most queued seen {peak_queued}",
        i128::from(after) - i128::from(before)
    );
}

/// The event both sides build: no `external_id`, no timestamp (each side sets them).
fn event(n: usize) -> NewEvent {
    NewEvent::for_external_customer(format!("usr_{}", n % 64), "llm.completion")
        .metadata("model", "mock-small")
        .metadata("total_tokens", (n % 500) as i64)
}

async fn run_ingestor(polar: &Polar, events: usize, queue: usize) {
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(BATCH)
        .queue(queue)
        .max_requests_per_second(0.0)
        .start()
        .expect("ingestor");
    for n in 0..events {
        ingestor.send(event(n)).await.expect("send");
    }
    let report = ingestor.close().await;
    assert_eq!(report.stats.failed, 0);
    assert_eq!(report.stats.requests, events.div_ceil(BATCH) as u64);
}

/// The body as the floor sends it.
#[derive(serde::Serialize)]
struct Body<'a> {
    events: &'a [NewEvent],
}

/// A random version-4 UUID as text, as a service without `uuid`'s `v4` feature would make one.
fn random_external_id() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .to_string()
}

async fn run_batcher(raw: &reqwest::Client, url: &str, events: usize) {
    let mut batch = Vec::with_capacity(BATCH);
    for n in 0..events {
        batch.push(
            event(n)
                .external_id(random_external_id())
                .timestamp(chrono::Utc::now()),
        );
        if batch.len() == BATCH || n + 1 == events {
            post_batch(raw, url, &batch).await;
            batch.clear();
        }
    }
}

async fn post_batch(raw: &reqwest::Client, url: &str, events: &[NewEvent]) {
    let body = serde_json::to_vec(&Body { events }).expect("json");
    let response = raw
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("post");
    let bytes = response.bytes().await.expect("body");
    std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&bytes).expect("json"));
}

async fn run_single(polar: &Polar, events: usize) {
    for n in 0..events {
        polar.events().ingest(vec![event(n)]).await.expect("ingest");
    }
}

fn measure(events: usize, run: impl FnOnce()) -> Measured {
    let before = support::process_cpu_ms().unwrap_or(0.0);
    let started = std::time::Instant::now();
    run();
    let wall = started.elapsed().as_secs_f64();
    let after = support::process_cpu_ms().unwrap_or(0.0);
    Measured {
        cpu_ns: (after - before) * 1e6 / events as f64,
        per_second: events as f64 / wall.max(f64::MIN_POSITIVE),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The canned server in a child process (this binary with `SERVE_ENV` set).
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    /// The server, waiting `delay_ms` before each answer.
    fn spawn(delay_ms: u64) -> Self {
        let program = std::env::current_exe().expect("own path");
        let mut child = Command::new(program)
            .env(SERVE_ENV, "1")
            .env(DELAY_ENV, delay_ms.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("server");
        let mut url = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = std::io::BufReader::new(stdout).read_line(&mut url);
        }
        Self {
            child,
            base_url: url.trim().to_owned(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Serves until stdin closes.
fn serve() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let address = listener.local_addr().expect("address");
    let delay = Duration::from_millis(
        std::env::var(DELAY_ENV)
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(0),
    );
    let runtime = runtime();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(answer(stream, delay));
            }
        });
    });
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "http://{address}").and_then(|()| stdout.flush());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

/// Reads requests (head and `Content-Length` body) and answers each with `200 BODY` and the
/// current `Date` (as Polar does; the ingestor learns Polar's clock from it), after `delay`.
async fn answer(mut stream: TcpStream, delay: Duration) {
    let mut buffer = Vec::with_capacity(1 << 16);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        while let Some(head_end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let total = head_end + 4 + content_length(&buffer[..head_end]);
            if buffer.len() < total {
                break;
            }
            buffer.drain(..total);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: {}\r\ncontent-length: {}\r\n\r\n{BODY}",
                httpdate::fmt_http_date(SystemTime::now()),
                BODY.len()
            );
            if stream.write_all(response.as_bytes()).await.is_err() {
                return;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}
