//! Bulk import of customers under the request budget, resumable after a crash or Ctrl-C.
//!
//! ```text
//! cargo run --example import_customers --all-features -- customers.csv [--concurrency 32]
//! cargo run --example import_customers --all-features -- --generate 10000 customers.csv
//! ```
//!
//! The input is CSV with a header naming `email` (and optionally `name`, `external_id`) or JSON
//! lines (`.jsonl`) with those keys. Every line is checked first, and every problem is printed
//! with its line; then nothing is sent. Otherwise each customer is created with `create_or_get`
//! on a background clone of the client, so the import keeps to the request budget and never goes
//! before interactive calls. Each settled line is appended to `<input>.journal`; a new run skips
//! the settled lines (failed ones are tried again), and `create_or_get` makes re-sending a line
//! whose answer was lost safe. The report, `<input>.report.csv`, lists every line's outcome:
//! created, existing, conflict (with the differing fields) or failed (with the reason).
//!
//! Without `POLAR_ACCESS_TOKEN` it runs against an in-process mock Polar limited to 3,000
//! requests per 10 s, with a budget to match.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use polar_client::{Polar, RequestBudget};
use polar_client_mock::MockPolar;

mod import;
#[path = "../support/connect.rs"]
mod support;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut input = None;
    let mut concurrency = 32;
    let mut generate = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--concurrency" => {
                concurrency = args.next().ok_or("--concurrency needs a number")?.parse()?
            }
            "--generate" => {
                generate = Some(
                    args.next()
                        .ok_or("--generate needs a number")?
                        .parse::<usize>()?,
                )
            }
            _ => input = Some(PathBuf::from(arg)),
        }
    }
    let input = input
        .ok_or("usage: import_customers [--concurrency N] [--generate N] <file.csv|file.jsonl>")?;
    if let Some(n) = generate {
        let mut text = String::from("email,name,external_id\n");
        for i in 0..n {
            text.push_str(&format!("user{i}@example.org,User {i},import-{i}\n"));
        }
        std::fs::write(&input, text)?;
        println!("wrote {n} customers to {}", input.display());
        return Ok(ExitCode::SUCCESS);
    }
    let rows = match import::read(&input)? {
        Ok(rows) => rows,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{} problems; nothing was sent", problems.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let (polar, _mock) = client().await?;
    let bulk = polar.background();
    let started = Instant::now();
    let summary = tokio::select! {
        summary = import::import(&bulk, &input, rows, concurrency) => summary?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\ninterrupted: run again to resume (settled lines are in {})",
                import::journal_path(&input).display());
            return Ok(ExitCode::from(130));
        }
    };
    let count = |o| summary.counts.get(&o).copied().unwrap_or(0);
    println!(
        "{} lines: {} created, {} existing, {} conflicts, {} failed ({} settled now, {} skipped as settled before) in {:.1?}; report: {}",
        summary.total,
        count(import::Outcome::Created),
        count(import::Outcome::Existing),
        count(import::Outcome::Conflict),
        count(import::Outcome::Failed),
        summary.settled,
        summary.skipped,
        started.elapsed(),
        summary.report.display()
    );
    println!("budget: {:?}", polar.budget_stats());
    Ok(ExitCode::SUCCESS)
}

/// The client from the environment, or one for a rate-limited mock.
async fn client() -> Result<(Polar, Option<MockPolar>), Box<dyn std::error::Error>> {
    if support::env("POLAR_ACCESS_TOKEN").is_some() {
        return support::connect().await;
    }
    let (limit, window) = (3_000, Duration::from_secs(10));
    let mock = MockPolar::builder()
        .rate_limit(limit, window)
        .start()
        .await?;
    println!(
        "POLAR_ACCESS_TOKEN is not set: using a local mock Polar limited to {limit} requests per {window:?}."
    );
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .request_budget(RequestBudget::per(limit, window))
        .build()?;
    Ok((polar, Some(mock)))
}
