//! Load generator: sends N creates of the seed customer with concurrency C through one client and
//! prints one JSON line with throughput, client CPU per request and peak memory.
//!
//! ```sh
//! cargo run --release --example mock_server -- 8766 300 &
//! POLAR_ACCESS_TOKEN=polar_oat_mock_organization_token \
//!     cargo run --release --example load -- 20000 16 [BASE_URL] [--raw]
//! ```
//! BASE_URL defaults to `http://127.0.0.1:8766` and must be a loopback address. `--raw` sends the
//! same JSON through a plain `reqwest` client (decoded into `serde_json::Value`, no retries) for
//! comparison. The run stops after N requests or `BENCH_MAX_SECONDS` (default 120). The client
//! runs on one current-thread runtime, so the process CPU time is the client's.

#[allow(dead_code)] // Shared with benches/create_customer.rs; each target uses part of it.
#[path = "../benches/support/mod.rs"]
mod support;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{RawClient, seed_customer, seed_json};

const USAGE: &str = "usage: load N C [BASE_URL] [--raw]";
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8766";
const DEFAULT_TOKEN: &str = "polar_oat_test";
const DEFAULT_MAX_SECONDS: u64 = 120;

/// What the command line asked for.
struct Options {
    requests: u64,
    concurrency: u64,
    base_url: String,
    raw: bool,
    max_duration: Duration,
}

fn parse_options() -> Result<Options, String> {
    let mut positional = Vec::new();
    let mut raw = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--raw" => raw = true,
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
        raw,
        max_duration: Duration::from_secs(max_seconds),
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
    match run() {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let options = Arc::new(parse_options()?);
    let token =
        std::env::var(polar_client::ACCESS_TOKEN_ENV).unwrap_or_else(|_| DEFAULT_TOKEN.to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let client = Arc::new(if options.raw {
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
    let cpu_ms = match (cpu_before, support::process_cpu_ms()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };

    let ok = progress.ok.load(Ordering::Relaxed);
    let failed = progress.failed.load(Ordering::Relaxed);
    let done = (ok + failed).max(1);
    let client_name = if options.raw {
        "raw-reqwest"
    } else {
        "polar-client"
    };
    let json = serde_json::json!({
        "client": client_name,
        "n": options.requests,
        "c": options.concurrency,
        "ok": ok,
        "failed": failed,
        "seconds": round(seconds, 3),
        "rps": round(done as f64 / seconds, 1),
        "cpu_ms_per_req": cpu_ms.map(|ms| round(ms / done as f64, 4)),
        "max_rss_kib": support::max_rss_kib(),
    });
    Ok(json.to_string())
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
