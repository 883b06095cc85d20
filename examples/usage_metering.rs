//! Meters simulated LLM usage for a few customers against a local mock Polar (no token needed):
//! tasks hand token counts to one `Ingestor`, a share of the ingest requests is faulted (lost
//! answers after commit, 504s after commit, 503s, resets, 429s) and a poison event is mixed in
//! every 5,000; the ingestor is closed and the customer meters are printed, with a check that
//! every event was stored exactly once or handed back.
//!
//! ```sh
//! cargo run --release --example usage_metering            # 10,000 events
//! USAGE_EVENTS=100000 cargo run --release --example usage_metering
//! ```
//!
//! Exit status: 0 when every event was stored once or handed back, 1 otherwise.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use polar_client::{NewCustomer, NewEvent, Polar, UsageCustomer};
use polar_client_mock::{Fault, Method, MockPolar};

const CUSTOMERS: [&str; 3] = ["usr_ada", "usr_grace", "usr_linus"];
const TASKS: usize = 16;
/// Not a customer of the organization: Polar refuses the batch naming it.
const UNKNOWN_CUSTOMER: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let events: usize = std::env::var("USAGE_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mock = Arc::new(MockPolar::start().await?);
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .build()?;
    mock.add_usage_meter("LLM tokens", "llm.completion", Some("total_tokens"));
    for (n, external_id) in CUSTOMERS.iter().enumerate() {
        let email = format!("customer{n}@example.org");
        polar
            .customers()
            .create(NewCustomer::individual(email).external_id(*external_id))
            .await?;
    }

    let rejected = Arc::new(Mutex::new(Vec::new()));
    let ingestor = {
        let rejected = Arc::clone(&rejected);
        polar
            .events()
            .ingestor()
            .max_batch(1_000)
            .max_delay(Duration::from_millis(50))
            // The mock has no rate limit; against Polar keep the default (400 requests a minute).
            .max_requests_per_second(0.0)
            .retries(20, Duration::from_millis(10))
            .on_rejected(move |event| {
                if let Ok(mut rejected) = rejected.lock() {
                    rejected.push(event);
                }
            })
            .start()?
    };
    let stop = Arc::new(AtomicBool::new(false));
    let injector = tokio::spawn(inject_faults(Arc::clone(&mock), Arc::clone(&stop)));

    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let ingestor = ingestor.clone();
        tasks.push(tokio::spawn(async move {
            for n in (task..events).step_by(TASKS) {
                let event = if n % 5_000 == 4_999 {
                    NewEvent::for_customer(UNKNOWN_CUSTOMER, "llm.completion")
                } else {
                    let input = 50 + (n % 400) as i64;
                    let output = 20 + (n % 150) as i64;
                    NewEvent::for_external_customer(
                        CUSTOMERS[n % CUSTOMERS.len()],
                        "llm.completion",
                    )
                    .metadata("model", "mock-small")
                    .metadata("input_tokens", input)
                    .metadata("output_tokens", output)
                    .metadata("total_tokens", input + output)
                };
                // A key derived from the caller's own data: re-sent after a restart, Polar skips it.
                ingestor
                    .send(event.external_id(format!("completion-{n}")))
                    .await?;
            }
            Ok::<_, polar_client::SendError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let report = ingestor.close().await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Release);
    let faults = injector.await?;

    let mut stored: HashMap<String, usize> = HashMap::new();
    for event in mock.usage_events() {
        *stored
            .entry(event.external_id.unwrap_or_default())
            .or_insert(0) += 1;
    }
    let twice = stored.values().filter(|n| **n > 1).count();
    let poison = (0..events).filter(|n| n % 5_000 == 4_999).count();
    let handed_back = rejected.lock().map(|r| r.len()).unwrap_or(0);
    let stats = report.stats;
    println!(
        "{events} events in {:.2} s ({:.0} events/s), {} requests, {faults} faults injected",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        stats.requests
    );
    println!(
        "inserted {}, duplicates {}, rejected {}, failed {}, stored {} distinct, stored twice {twice}",
        stats.inserted,
        stats.duplicates,
        stats.rejected,
        stats.failed,
        stored.len()
    );
    for external_id in CUSTOMERS {
        let rows: Vec<_> = polar
            .customer_meters()
            .list()
            .customer(UsageCustomer::External(external_id.into()))
            .stream()
            .try_collect()
            .await?;
        for meter in &rows {
            let name = meter.meter().map(|m| m.name()).unwrap_or_default();
            println!(
                "{external_id}: {name}: consumed {} (balance {})",
                meter.consumed_units(),
                meter.balance()
            );
        }
    }
    let ok = twice == 0
        && stored.len() == events - poison
        && handed_back == poison
        && stats.failed == 0
        && stats.queued == 0;
    println!(
        "{}",
        if ok {
            "exactly once: ok"
        } else {
            "exactly once: FAILED"
        }
    );
    Ok(ok)
}

/// Queues a random fault after about one in five ingest requests until `stop` is set.
async fn inject_faults(mock: Arc<MockPolar>, stop: Arc<AtomicBool>) -> u64 {
    let mut rng = fastrand::Rng::with_seed(11);
    let (mut seen, mut injected) = (0, 0);
    while !stop.load(Ordering::Acquire) {
        let now = mock.usage_ingest_requests();
        for _ in seen..now {
            if rng.f64() < 0.2 {
                let fault = match rng.usize(0..5) {
                    0 => Fault::DropAfterStore,
                    1 => Fault::ProxyErrorPageAfterStore { status: 504 },
                    2 => Fault::ServerError { status: 503 },
                    3 => Fault::DropBeforeStore,
                    _ => Fault::RateLimited {
                        retry_after: Duration::from_millis(1),
                    },
                };
                mock.fail_next_matching(Method::POST, "/v1/events/ingest", 1, fault);
                injected += 1;
            }
        }
        seen = now;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    injected
}
