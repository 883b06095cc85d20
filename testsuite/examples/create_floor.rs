//! The create floor as an outside harness builds it: a binary of its own that links reqwest,
//! tokio and serde_json but not this crate, so its peak RSS holds none of our code. Used by
//! docs/PERFORMANCE.md ("Two harnesses") beside `load --ours` to find why an outside measurement
//! of the create benchmark disagreed with `examples/load`.
//!
//! ```sh
//! cargo run --release -p polar-client-tests --example create_floor -- N C BASE_URL [--value | --typed | --bytes]
//! ```
//!
//! Per request, `--value` does what `load`'s floor does (builds the body as a `serde_json::Value`,
//! decodes the 201 into a `Value`); `--typed` serializes a struct and decodes the 201 into a struct
//! of the fields a caller reads; `--bytes` posts a body formatted as text and reads the answer as
//! bytes without decoding it. BASE_URL must be a loopback address. Prints one JSON line: CPU per
//! request (the sum of the living threads' scheduler run time) and peak RSS (`VmHWM`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::{Deserialize, Serialize};

/// What a request does besides the HTTP exchange.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    Value,
    Typed,
    Bytes,
}

#[derive(Serialize)]
struct Owner<'a> {
    email: String,
    name: &'a str,
    external_id: String,
}

#[derive(Serialize)]
struct Address<'a> {
    country: &'a str,
}

#[derive(Serialize)]
struct NewCustomer<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    email: String,
    name: &'a str,
    external_id: String,
    billing_address: Address<'a>,
    locale: &'a str,
    owner: Owner<'a>,
}

/// The fields of the 201 a caller reads.
#[derive(Deserialize)]
#[allow(dead_code)] // Decoded for the cost of it.
struct Created {
    id: String,
    email: String,
    external_id: Option<String>,
    created_at: String,
}

struct Floor {
    http: reqwest::Client,
    url: String,
    authorization: HeaderValue,
    work: Work,
}

impl Floor {
    async fn create(&self, tag: &str) -> Result<(), String> {
        let body = match self.work {
            Work::Value => serde_json::to_vec(&serde_json::json!({
                "type": "individual",
                "email": format!("customer+{tag}@example.com"),
                "name": "John Doe",
                "external_id": format!("usr_{tag}"),
                "billing_address": { "country": "US" },
                "locale": "en",
                "owner": {
                    "email": format!("member+{tag}@example.com"),
                    "name": "Jane Doe",
                    "external_id": format!("usr_{tag}_owner"),
                },
            })),
            Work::Typed => serde_json::to_vec(&NewCustomer {
                kind: "individual",
                email: format!("customer+{tag}@example.com"),
                name: "John Doe",
                external_id: format!("usr_{tag}"),
                billing_address: Address { country: "US" },
                locale: "en",
                owner: Owner {
                    email: format!("member+{tag}@example.com"),
                    name: "Jane Doe",
                    external_id: format!("usr_{tag}_owner"),
                },
            }),
            Work::Bytes => Ok(format!(
                r#"{{"type":"individual","email":"customer+{tag}@example.com","name":"John Doe","external_id":"usr_{tag}","billing_address":{{"country":"US"}},"locale":"en","owner":{{"email":"member+{tag}@example.com","name":"Jane Doe","external_id":"usr_{tag}_owner"}}}}"#
            )
            .into_bytes()),
        }
        .map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("polar-version", "2026-04")
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        match self.work {
            Work::Value => drop(
                serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| e.to_string())?,
            ),
            Work::Typed => {
                drop(serde_json::from_slice::<Created>(&bytes).map_err(|e| e.to_string())?)
            }
            Work::Bytes => drop(std::hint::black_box(bytes)),
        }
        Ok(())
    }
}

fn process_cpu_ms() -> Option<f64> {
    let mut total_ns: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total_ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total_ns as f64 / 1e6)
}

fn max_rss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: create_floor N C BASE_URL [--value | --typed | --bytes]";
    let number = |i: usize| -> Result<u64, String> {
        args.get(i)
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| usage.to_owned())
    };
    let (requests, concurrency) = (number(0)?, number(1)?);
    let base_url = args.get(2).ok_or(usage)?.trim_end_matches('/').to_owned();
    let host = reqwest::Url::parse(&base_url)
        .map_err(|e| e.to_string())?
        .host_str()
        .unwrap_or_default()
        .to_owned();
    if host != "127.0.0.1" && host != "localhost" && host != "[::1]" {
        return Err("only loopback addresses are allowed".to_owned());
    }
    let work = match args.get(3).map(String::as_str) {
        None | Some("--value") => Work::Value,
        Some("--typed") => Work::Typed,
        Some("--bytes") => Work::Bytes,
        Some(other) => return Err(format!("unknown flag {other}\n{usage}")),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let floor = Arc::new(Floor {
        http: reqwest::Client::builder()
            .user_agent("raw-reqwest")
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?,
        url: format!("{base_url}/v1/customers/"),
        authorization: HeaderValue::from_static("Bearer polar_oat_test"),
        work,
    });
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let before = process_cpu_ms();
    let started = Instant::now();
    runtime.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (floor, next, failed) =
                (Arc::clone(&floor), Arc::clone(&next), Arc::clone(&failed));
            workers.spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= requests {
                        return;
                    }
                    if floor.create(&format!("f-{n}")).await.is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        while workers.join_next().await.is_some() {}
    });
    let seconds = started.elapsed().as_secs_f64();
    let cpu = before.zip(process_cpu_ms()).map(|(b, a)| a - b);
    println!(
        "{}",
        serde_json::json!({
            "client": match work { Work::Value => "floor-value", Work::Typed => "floor-typed", Work::Bytes => "floor-bytes" },
            "n": requests,
            "c": concurrency,
            "failed": failed.load(Ordering::Relaxed),
            "seconds": seconds,
            "cpu_ms_per_req": cpu.map(|ms| ms / requests as f64),
            "max_rss_kib": max_rss_kib(),
        })
    );
    Ok(())
}
