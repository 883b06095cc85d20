//! `cargo bench -p polar-client-tests`: create-customer round trips through our client and through
//! the hand-written floor (`support::RawClient`: same reqwest stack, per-request timeout, body as
//! bytes, 201 into a `serde_json::Value`) against a canned HTTP server on 127.0.0.1, the pieces of
//! our hot path, and a CPU- and allocations-per-create summary.
//!
//! The canned server answers every request with Polar's 201 body, so both clients pay for the same
//! network work and the difference is client overhead. After criterion's groups, a fixed-count pass
//! reads the client thread's CPU time and allocation count (everything client-side runs on one
//! current-thread runtime; the server is a child process, this same binary started with
//! `support::canned::SERVE_ENV`) and prints our ratios to the floor.

#[allow(dead_code)] // Shared with examples/load.rs; each target uses part of it.
#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use polar_client::{Customer, Polar};
use support::canned::{self, CREATED_BODY};
use support::{CountingAllocator, RawClient, seed_customer, seed_json};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const TOKEN: &str = "polar_oat_bench";

/// The concurrency levels measured: one request at a time, and 16 in flight.
const CONCURRENCY: [usize; 2] = [1, 16];

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
    let server = canned::Server::spawn().expect("canned server");
    let runtime = client_runtime();
    let clients = Clients::new(server.address().expect("canned server address"));
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

/// Interleaves rounds of the two clients (so machine noise hits both alike, each going first in
/// every other round) and prints CPU time, wall time and allocations per create, with our ratio
/// of medians to the floor and the range of the rounds' own ratios.
fn cpu_summary() {
    const REQUESTS_PER_ROUND: u64 = 3_200;
    const ROUNDS: usize = 11;
    if support::thread_cpu_ns().is_none() {
        println!("(no /proc/thread-self/schedstat: CPU summary skipped)");
        return;
    }
    let server = canned::Server::spawn().expect("canned server");
    let runtime = client_runtime();
    let clients = Clients::new(server.address().expect("canned server address"));
    let raw = std::sync::Arc::new(clients.raw);
    let mut ratios = Vec::new();
    println!();
    println!(
        "per create (canned server in a child process; each client on one current-thread runtime; load average {}):",
        support::load_average().unwrap_or_default()
    );
    println!(
        "{:>3}  {:>9} {:>9} {:>7} {:>13}   {:>9} {:>9}   {:>11} {:>11}",
        "C",
        "ours µs",
        "floor µs",
        "cpu",
        "rounds",
        "ours wall",
        "floor wall",
        "ours allocs",
        "floor allocs"
    );
    for concurrency in CONCURRENCY {
        let batches = REQUESTS_PER_ROUND / concurrency as u64;
        // Warm the pools and caches.
        measure(&runtime, batches / 4, concurrency, &clients.polar);
        measure(&runtime, batches / 4, concurrency, &raw);
        let mut samples = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                samples[0].push(measure(&runtime, batches, concurrency, &clients.polar));
                samples[1].push(measure(&runtime, batches, concurrency, &raw));
            } else {
                samples[1].push(measure(&runtime, batches, concurrency, &raw));
                samples[0].push(measure(&runtime, batches, concurrency, &clients.polar));
            }
        }
        let mut round_ratios: Vec<f64> = samples[0]
            .iter()
            .zip(&samples[1])
            .map(|(ours, floor)| ours.cpu_ns as f64 / floor.cpu_ns.max(1) as f64)
            .collect();
        round_ratios.sort_by(f64::total_cmp);
        let spread = format!(
            "{:.2}-{:.2}",
            round_ratios.first().copied().unwrap_or_default(),
            round_ratios.last().copied().unwrap_or_default()
        );
        let per_request = |f: fn(&Sample) -> f64| samples.each_ref().map(|s| median(s, f));
        let cpu = per_request(|s| s.cpu_ns as f64 / s.requests as f64 / 1e3);
        let wall = per_request(|s| s.wall.as_nanos() as f64 / s.requests as f64 / 1e3);
        let allocations = per_request(|s| s.allocations as f64 / s.requests as f64);
        let ratio = cpu[0] / cpu[1];
        println!(
            "{concurrency:>3}  {:>9.2} {:>9.2} {ratio:>6.3}x {spread:>13}   {:>9.2} {:>9.2}   {:>11.1} {:>11.1}",
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
    if let Some(served) = canned::serve() {
        if let Err(message) = served {
            eprintln!("{message}");
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs the targets in test mode; the summary is for `cargo bench` only.
    if std::env::args().any(|arg| arg == "--bench") {
        cpu_summary();
    }
}
