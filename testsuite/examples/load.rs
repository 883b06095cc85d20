//! Load generator: sends N creates of the seed customer with concurrency C through one client and
//! prints JSON lines with throughput, client CPU and allocations per request and peak memory, for
//! this crate and for the hand-written floor (`benches/support/mod.rs`), each in its own process.
//!
//! ```sh
//! cargo run --release --example mock_server -- 8766 300 &
//! POLAR_ACCESS_TOKEN=polar_oat_mock_organization_token \
//!     cargo run --release -p polar-client-tests --example load -- 20000 16 [BASE_URL] [--ours | --raw] [--reps=3]
//! ```
//! BASE_URL defaults to `http://127.0.0.1:8766` and must be a loopback address. Without `--ours`
//! or `--raw` the example runs itself as child processes, alternating ours and the floor `--reps`
//! times (so machine noise hits both alike), prints each child's line and then a summary: the
//! medians and our ratios to the floor, and the median and quartiles of each run's own CPU ratio.
//! With `--canned` (instead of BASE_URL) it first starts a third child, the canned server of
//! `cargo bench` (every request answered with the same 201, no other work), and aims both clients
//! at it: client overhead alone, as an outside harness sees it. `--ours` / `--raw` run one client
//! in this process. A run stops after N requests or `BENCH_MAX_SECONDS` (default 120). The client
//! runs on one current-thread runtime, so the process CPU time is the client's.

#[allow(dead_code)] // Shared with benches/create_customer.rs; each target uses part of it.
#[path = "../benches/support/mod.rs"]
mod support;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{CountingAllocator, RawClient, seed_customer, seed_json};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const USAGE: &str = "usage: load N C [BASE_URL | --canned] [--ours | --raw] [--reps=R]";
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8766";
const DEFAULT_TOKEN: &str = "polar_oat_test";
const DEFAULT_MAX_SECONDS: u64 = 120;
const DEFAULT_REPS: u64 = 3;

/// Which client a run measures, or both in alternating child processes.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Compare,
    Ours,
    Raw,
}

/// What the command line asked for.
struct Options {
    requests: u64,
    concurrency: u64,
    base_url: String,
    mode: Mode,
    reps: u64,
    max_duration: Duration,
    canned: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut positional = Vec::new();
    let mut mode = Mode::Compare;
    let mut reps = DEFAULT_REPS;
    let mut canned = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--raw" => mode = Mode::Raw,
            "--ours" => mode = Mode::Ours,
            "--canned" => canned = true,
            _ if arg.starts_with("--reps=") => {
                reps = arg["--reps=".len()..]
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--reps must be a positive integer, got {arg:?}"))?;
            }
            _ if arg.starts_with("--") => return Err(format!("unknown flag {arg}\n{USAGE}")),
            _ => positional.push(arg),
        }
    }
    let number = |index: usize, name: &str| -> Result<u64, String> {
        let text = positional.get(index).ok_or_else(|| USAGE.to_owned())?;
        match text.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{name} must be a positive integer, got {text:?}")),
        }
    };
    let requests = number(0, "N")?;
    let concurrency = number(1, "C")?;
    let base_url = positional
        .get(2)
        .map_or(DEFAULT_BASE_URL, String::as_str)
        .to_owned();
    require_loopback(&base_url)?;
    let max_seconds = match std::env::var("BENCH_MAX_SECONDS") {
        Ok(text) => text
            .parse::<u64>()
            .map_err(|_| format!("BENCH_MAX_SECONDS must be whole seconds, got {text:?}"))?,
        Err(_) => DEFAULT_MAX_SECONDS,
    };
    Ok(Options {
        requests,
        concurrency,
        base_url,
        mode,
        reps,
        max_duration: Duration::from_secs(max_seconds),
        canned,
    })
}

/// A load generator aimed at someone else's server is an attack; only loopback is allowed.
fn require_loopback(base_url: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(base_url).map_err(|e| format!("BASE_URL {base_url:?}: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "refusing to send load to {base_url}: only loopback addresses (127.0.0.1, ::1, localhost) are allowed"
        ))
    }
}

/// One of the two clients being measured.
enum Client {
    Polar(polar_client::Polar),
    Raw(RawClient),
}

impl Client {
    /// Creates the customer tagged `tag`; the error text when it was not created.
    async fn create(&self, tag: &str) -> Result<(), String> {
        match self {
            Client::Polar(polar) => polar
                .customers()
                .create(seed_customer(tag))
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Client::Raw(raw) => raw
                .create(&seed_json(tag))
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }
}

impl Client {
    /// The size in bytes of one create's future (what each request in flight holds), not polled.
    fn create_future_bytes(&self) -> usize {
        match self {
            Client::Polar(polar) => {
                let customers = polar.customers();
                std::mem::size_of_val(&customers.create(seed_customer("size")))
            }
            Client::Raw(raw) => {
                let body = seed_json("size");
                std::mem::size_of_val(&raw.create(&body))
            }
        }
    }
}

/// Counters shared by the workers.
#[derive(Default)]
struct Progress {
    next: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
}

async fn worker(
    client: Arc<Client>,
    progress: Arc<Progress>,
    run: Arc<str>,
    options: Arc<Options>,
    started: Instant,
) {
    loop {
        let index = progress.next.fetch_add(1, Ordering::Relaxed);
        if index >= options.requests || started.elapsed() >= options.max_duration {
            return;
        }
        match client.create(&format!("{run}-{index}")).await {
            Ok(()) => progress.ok.fetch_add(1, Ordering::Relaxed),
            Err(message) => {
                if progress.failed.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("first failure: {message}");
                }
                0
            }
        };
    }
}

fn main() -> std::process::ExitCode {
    let outcome = support::canned::serve().unwrap_or_else(|| {
        parse_options().and_then(|mut options| match options.mode {
            Mode::Compare if options.canned => with_canned_server(&mut options),
            Mode::Compare => compare(&options),
            Mode::Ours | Mode::Raw => run(options).map(|line| println!("{line}")),
        })
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Starts the canned server as a child process and compares the clients against it.
fn with_canned_server(options: &mut Options) -> Result<(), String> {
    let server = support::canned::Server::spawn()?;
    options.base_url = server.base_url.clone();
    compare(options)
}

/// Runs this example as child processes, ours then the floor, `reps` times, and prints their
/// lines and a summary: medians, our ratios to the floor, and the spread of each run's ratio.
fn compare(options: &Options) -> Result<(), String> {
    let program = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let mut lines: [Vec<serde_json::Value>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..options.reps {
        for (flag, runs) in ["--ours", "--raw"].into_iter().zip(lines.iter_mut()) {
            let output = std::process::Command::new(&program)
                .args([
                    options.requests.to_string(),
                    options.concurrency.to_string(),
                    options.base_url.clone(),
                    flag.to_owned(),
                ])
                .output()
                .map_err(|e| format!("running {flag}: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout);
            if !output.status.success() {
                return Err(format!(
                    "{flag} failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            println!("{}", text.trim());
            let line = serde_json::from_str(text.trim())
                .map_err(|e| format!("{flag} printed {text:?}: {e}"))?;
            runs.push(line);
        }
    }
    let median = |runs: &[serde_json::Value], key: &str| -> Option<f64> {
        let mut values: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied()
    };
    let [ours, raw] = &lines;
    let summary = |key: &str| {
        let (a, b) = (median(ours, key), median(raw, key));
        serde_json::json!({
            "ours": a,
            "floor": b,
            "ratio": a.zip(b).map(|(a, b)| round(a / b, 3)),
        })
    };
    // Each repetition's own ratio (ours and the floor run back to back): its median and quartiles
    // show how far single runs wander, which the ratio of the medians hides.
    let per_run = |key: &str| {
        let mut ratios: Vec<f64> = ours
            .iter()
            .zip(raw)
            .filter_map(|(a, b)| Some(a[key].as_f64()? / b[key].as_f64()?))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let quantile = |q: usize| ratios.get(ratios.len() * q / 4).map(|r| round(*r, 3));
        serde_json::json!({ "median": quantile(2), "quartiles": [quantile(1), quantile(3)] })
    };
    let load = support::load_average();
    println!(
        "{}",
        serde_json::json!({
            "summary": format!("medians of {} alternating runs of each", options.reps),
            "c": options.concurrency,
            "server": if options.canned { "canned" } else { options.base_url.as_str() },
            "cpu_ms_per_req": summary("cpu_ms_per_req"),
            "cpu_ratio_per_run": per_run("cpu_ms_per_req"),
            "allocs_per_req": summary("allocs_per_req"),
            "max_rss_kib": summary("max_rss_kib"),
            "create_future_bytes": summary("create_future_bytes"),
            "load_average": load,
        })
    );
    Ok(())
}

/// One client in this process: one JSON line.
fn run(options: Options) -> Result<String, String> {
    let options = Arc::new(options);
    let raw = options.mode == Mode::Raw;
    let token =
        std::env::var(polar_client::ACCESS_TOKEN_ENV).unwrap_or_else(|_| DEFAULT_TOKEN.to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let client = Arc::new(if raw {
        Client::Raw(RawClient::new(&options.base_url, &token)?)
    } else {
        Client::Polar(support::polar_client(&options.base_url, &token).map_err(|e| e.to_string())?)
    });
    // Unique per run, so repeated runs against one mock do not collide on email or external_id.
    let run: Arc<str> = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    )
    .into();
    let progress = Arc::new(Progress::default());

    let cpu_before = support::process_cpu_ms();
    let allocations_before = support::thread_allocations();
    let started = Instant::now();
    runtime.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..options.concurrency {
            workers.spawn(worker(
                Arc::clone(&client),
                Arc::clone(&progress),
                Arc::clone(&run),
                Arc::clone(&options),
                started,
            ));
        }
        while workers.join_next().await.is_some() {}
    });
    let seconds = started.elapsed().as_secs_f64();
    let allocations = support::thread_allocations() - allocations_before;
    let cpu_ms = match (cpu_before, support::process_cpu_ms()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };

    let ok = progress.ok.load(Ordering::Relaxed);
    let failed = progress.failed.load(Ordering::Relaxed);
    let done = (ok + failed).max(1);
    let client_name = if raw { "raw-reqwest" } else { "polar-client" };
    let json = serde_json::json!({
        "client": client_name,
        "n": options.requests,
        "c": options.concurrency,
        "ok": ok,
        "failed": failed,
        "seconds": round(seconds, 3),
        "rps": round(done as f64 / seconds, 1),
        "cpu_ms_per_req": cpu_ms.map(|ms| round(ms / done as f64, 4)),
        "allocs_per_req": round(allocations as f64 / done as f64, 1),
        "max_rss_kib": support::max_rss_kib(),
        "create_future_bytes": client.create_future_bytes(),
    });
    Ok(json.to_string())
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
