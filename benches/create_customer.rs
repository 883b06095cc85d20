//! `cargo bench`: create-customer round trips through our client and through the hand-written
//! floor (`support::RawClient`: same reqwest stack, per-request timeout, body as bytes, 201 into a
//! `serde_json::Value`) against a canned HTTP server on 127.0.0.1, the pieces of our hot path, and
//! a CPU- and allocations-per-create summary.
//!
//! The canned server answers every request with Polar's 201 body, so both clients pay for the same
//! network work and the difference is client overhead. After criterion's groups, a fixed-count pass
//! reads the client thread's CPU time and allocation count (everything client-side runs on one
//! current-thread runtime; the server has its own thread) and prints our ratios to the floor.

#[allow(dead_code)] // Shared with examples/load.rs; each target uses part of it.
#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use polar_client::{Customer, Polar};
use support::{CountingAllocator, RawClient, seed_customer, seed_json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const TOKEN: &str = "polar_oat_bench";

/// A created customer exactly as Polar sends it: uuid ids, microsecond timestamps, the full
/// billing address with nulls, `tax_id` null, a Gravatar URL.
const CREATED_BODY: &str = r#"{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-04-01T10:00:00.123456Z","modified_at":null,"metadata":{},"external_id":"usr_1337","email":"customer@example.com","email_verified":false,"type":"individual","name":"John Doe","billing_name":"John Doe","billing_address":{"line1":null,"line2":null,"postal_code":null,"city":null,"state":null,"country":"US"},"tax_id":null,"locale":"en","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/5b8e5c1b8b4c8b0b6f7b7c0a6d8e3f21?d=404"}"#;

/// The concurrency levels measured: one request at a time, and 16 in flight.
const CONCURRENCY: [usize; 2] = [1, 16];

/// Starts the canned server on its own thread and runtime, so its work is not the client's.
fn start_canned_server() -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            sender
                .send(listener.local_addr().expect("address"))
                .expect("send");
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream));
            }
        });
    });
    receiver.recv().expect("canned server address")
}

/// HTTP/1.1 keep-alive: read a request head and its `Content-Length` body, answer 201, repeat.
async fn serve_connection(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\npolar-version: {}\r\nx-request-id: bench\r\ncontent-length: {}\r\n\r\n{CREATED_BODY}",
        support::API_VERSION,
        CREATED_BODY.len()
    );
    let mut buffer = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Parse as many complete requests as the buffer holds.
        while let Some(head_end) = find(&buffer, b"\r\n\r\n") {
            let length = content_length(&buffer[..head_end]);
            let total = head_end + 4 + length;
            if buffer.len() < total {
                break;
            }
            buffer.drain(..total);
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

/// The two clients under test, against the same server.
struct Clients {
    polar: Polar,
    raw: RawClient,
}

impl Clients {
    fn new(address: SocketAddr) -> Self {
        let base_url = format!("http://{address}");
        Self {
            polar: support::polar_client(&base_url, TOKEN).expect("polar client"),
            raw: RawClient::new(&base_url, TOKEN).expect("raw client"),
        }
    }
}

async fn ours_once(polar: &Polar) {
    let customer = polar
        .customers()
        .create(seed_customer("1337"))
        .await
        .expect("create");
    black_box(customer);
}

async fn raw_once(raw: &RawClient) {
    let customer = raw.create(&seed_json("1337")).await.expect("create");
    black_box(customer);
}

/// `concurrency` creates in flight at once through our client.
async fn ours_batch(polar: &Polar, concurrency: usize) {
    if concurrency == 1 {
        return ours_once(polar).await;
    }
    let mut set = JoinSet::new();
    for _ in 0..concurrency {
        let polar = polar.clone();
        set.spawn(async move { ours_once(&polar).await });
    }
    while set.join_next().await.is_some() {}
}

/// `concurrency` creates in flight at once through raw reqwest.
async fn raw_batch(raw: &std::sync::Arc<RawClient>, concurrency: usize) {
    if concurrency == 1 {
        return raw_once(raw).await;
    }
    let mut set = JoinSet::new();
    for _ in 0..concurrency {
        let raw = std::sync::Arc::clone(raw);
        set.spawn(async move { raw_once(&raw).await });
    }
    while set.join_next().await.is_some() {}
}

fn client_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

fn round_trips(c: &mut Criterion) {
    let address = start_canned_server();
    let runtime = client_runtime();
    let clients = Clients::new(address);
    let raw = std::sync::Arc::new(clients.raw);
    let mut group = c.benchmark_group("create_round_trip");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40);
    for concurrency in CONCURRENCY {
        group.throughput(Throughput::Elements(concurrency as u64));
        group.bench_function(BenchmarkId::new("polar-client", concurrency), |b| {
            b.to_async(&runtime)
                .iter(|| ours_batch(&clients.polar, concurrency));
        });
        group.bench_function(BenchmarkId::new("floor", concurrency), |b| {
            b.to_async(&runtime).iter(|| raw_batch(&raw, concurrency));
        });
    }
    group.finish();
}

fn pieces(c: &mut Criterion) {
    let mut group = c.benchmark_group("pieces");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("build+validate NewCustomer", |b| {
        b.iter(|| {
            let customer = seed_customer(black_box("1337"));
            black_box(customer.validate()).expect("valid");
            customer
        });
    });
    group.bench_function("build serde_json::Value", |b| {
        b.iter(|| seed_json(black_box("1337")));
    });
    let customer = seed_customer("1337");
    group.bench_function("serialize NewCustomer", |b| {
        b.iter(|| serde_json::to_vec(black_box(&customer)).expect("serialize"));
    });
    let value = seed_json("1337");
    group.bench_function("serialize serde_json::Value", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)).expect("serialize"));
    });
    group.bench_function("decode Customer", |b| {
        b.iter(|| {
            serde_json::from_slice::<Customer>(black_box(CREATED_BODY.as_bytes())).expect("decode")
        });
    });
    group.bench_function("decode serde_json::Value", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(CREATED_BODY.as_bytes()))
                .expect("decode")
        });
    });
    group.finish();
}

/// One fixed-count measurement: client-thread CPU time, wall time and allocations.
struct Sample {
    cpu_ns: u64,
    wall: Duration,
    allocations: u64,
    requests: u64,
}

fn measure(runtime: &Runtime, batches: u64, concurrency: usize, run: impl AsyncBatch) -> Sample {
    let cpu_before = support::thread_cpu_ns().unwrap_or(0);
    let allocations_before = support::thread_allocations();
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..batches {
            run.batch(concurrency).await;
        }
    });
    Sample {
        cpu_ns: support::thread_cpu_ns().unwrap_or(0) - cpu_before,
        wall: started.elapsed(),
        allocations: support::thread_allocations() - allocations_before,
        requests: batches * concurrency as u64,
    }
}

/// Either client, one batch of `concurrency` creates.
trait AsyncBatch {
    async fn batch(&self, concurrency: usize);
}

impl AsyncBatch for &Polar {
    async fn batch(&self, concurrency: usize) {
        ours_batch(self, concurrency).await;
    }
}

impl AsyncBatch for &std::sync::Arc<RawClient> {
    async fn batch(&self, concurrency: usize) {
        raw_batch(self, concurrency).await;
    }
}

/// Interleaves rounds of the two clients (so machine noise hits both alike) and prints CPU time,
/// wall time and allocations per create, with our ratios to the floor.
fn cpu_summary() {
    const REQUESTS_PER_ROUND: u64 = 3_200;
    const ROUNDS: usize = 5;
    if support::thread_cpu_ns().is_none() {
        println!("(no /proc/thread-self/schedstat: CPU summary skipped)");
        return;
    }
    let address = start_canned_server();
    let runtime = client_runtime();
    let clients = Clients::new(address);
    let raw = std::sync::Arc::new(clients.raw);
    let mut ratios = Vec::new();
    println!();
    println!(
        "per create (canned server; each client on one current-thread runtime; load average {}):",
        support::load_average().unwrap_or_default()
    );
    println!(
        "{:>3}  {:>9} {:>9} {:>7}   {:>9} {:>9}   {:>11} {:>11}",
        "C", "ours µs", "floor µs", "cpu", "ours wall", "floor wall", "ours allocs", "floor allocs"
    );
    for concurrency in CONCURRENCY {
        let batches = REQUESTS_PER_ROUND / concurrency as u64;
        // Warm the pools and caches.
        measure(&runtime, batches / 4, concurrency, &clients.polar);
        measure(&runtime, batches / 4, concurrency, &raw);
        let mut samples = [Vec::new(), Vec::new()];
        for _ in 0..ROUNDS {
            samples[0].push(measure(&runtime, batches, concurrency, &clients.polar));
            samples[1].push(measure(&runtime, batches, concurrency, &raw));
        }
        let per_request = |f: fn(&Sample) -> f64| samples.each_ref().map(|s| median(s, f));
        let cpu = per_request(|s| s.cpu_ns as f64 / s.requests as f64 / 1e3);
        let wall = per_request(|s| s.wall.as_nanos() as f64 / s.requests as f64 / 1e3);
        let allocations = per_request(|s| s.allocations as f64 / s.requests as f64);
        let ratio = cpu[0] / cpu[1];
        println!(
            "{concurrency:>3}  {:>9.2} {:>9.2} {ratio:>6.3}x   {:>9.2} {:>9.2}   {:>11.1} {:>11.1}",
            cpu[0], cpu[1], wall[0], wall[1], allocations[0], allocations[1]
        );
        ratios.push((concurrency, ratio, allocations));
    }
    for (concurrency, ratio, [ours, floor]) in ratios {
        println!(
            "polar-client/floor at C={concurrency}: CPU {ratio:.3}x, allocations per create {ours:.1} vs {floor:.1}"
        );
    }
    if let Some(rss) = support::max_rss_kib() {
        println!(
            "bench process peak RSS: {:.1} MiB (both clients, server and criterion; `examples/load` compares them apart)",
            rss as f64 / 1024.0
        );
    }
}

fn median(samples: &[Sample], value: impl Fn(&Sample) -> f64) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(value).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

criterion::criterion_group!(benches, round_trips, pieces);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs the targets in test mode; the summary is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        cpu_summary();
    }
}
