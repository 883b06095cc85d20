//! Client CPU per ingested event, three ways against the same canned loopback server (a child
//! process answering every request with `200 {"inserted":0,"duplicates":0}`, doing no other
//! work): the `Ingestor` (one producer task, batches of 1,000), a hand-written batcher on the same
//! stack (reqwest, the same JSON events serialized in batches of 1,000, the answer decoded into a
//! `serde_json::Value`, no retries) and one `events().ingest` call per event. Rounds alternate the
//! order; the summary prints the medians and the ratios of medians, measured in this run.
//!
//! ```sh
//! cargo bench --bench usage_ingest            # release
//! cargo test --bench usage_ingest             # a quick debug run (figures not representative)
//! ```

#[allow(dead_code)] // Shared with the other harnesses; this one uses the CPU readings.
#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use polar_client::{NewEvent, Polar};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SERVE_ENV: &str = "POLAR_BENCH_SERVE_INGEST";
const TOKEN: &str = "polar_oat_bench";
const BODY: &str = r#"{"inserted":0,"duplicates":0}"#;
/// Events per batched run, and per run of one call per event.
const BATCHED_EVENTS: usize = 20_000;
const SINGLE_EVENTS: usize = 1_000;
const ROUNDS: usize = 5;
const BATCH: usize = 1_000;

/// One measured run: CPU nanoseconds per event.
type Run<'a> = Box<dyn Fn() -> f64 + 'a>;

fn main() {
    if std::env::var_os(SERVE_ENV).is_some() {
        serve();
        return;
    }
    let server = Server::spawn();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let polar = Polar::builder()
        .access_token(TOKEN)
        .base_url(&server.base_url)
        .build()
        .expect("client");
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(polar_client::DEFAULT_TIMEOUT)
        .build()
        .expect("raw client");
    let url = format!("{}/v1/events/ingest", server.base_url);

    let (mut ingestor, mut batcher, mut single) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut runs: Vec<(&str, Run<'_>)> = vec![
            (
                "ingestor",
                Box::new(|| {
                    cpu_ns_per_event(BATCHED_EVENTS, || runtime.block_on(run_ingestor(&polar)))
                }),
            ),
            (
                "batcher",
                Box::new(|| {
                    cpu_ns_per_event(BATCHED_EVENTS, || runtime.block_on(run_batcher(&raw, &url)))
                }),
            ),
            (
                "single",
                Box::new(|| {
                    cpu_ns_per_event(SINGLE_EVENTS, || runtime.block_on(run_single(&polar)))
                }),
            ),
        ];
        if round % 2 == 1 {
            runs.reverse();
        }
        for (name, run) in runs {
            let ns = run();
            match name {
                "ingestor" => ingestor.push(ns),
                "batcher" => batcher.push(ns),
                _ => single.push(ns),
            }
        }
    }
    let (i, b, s) = (
        median(&mut ingestor),
        median(&mut batcher),
        median(&mut single),
    );
    println!(
        "client CPU per event, median of {ROUNDS} rounds (process CPU, server in a child process):"
    );
    println!("  ingestor (batches of {BATCH}):          {i:>10.0} ns");
    println!("  hand-written batcher, same stack:    {b:>10.0} ns");
    println!("  one ingest call per event:           {s:>10.0} ns");
    println!("  ingestor / hand-written batcher:     {:>10.2}", i / b);
    println!("  one call per event / ingestor:       {:>10.1}", s / i);
}

fn event(n: usize) -> NewEvent {
    NewEvent::for_external_customer(format!("usr_{}", n % 64), "llm.completion")
        .external_id(format!("bench-{n}"))
        .metadata("model", "mock-small")
        .metadata("total_tokens", (n % 500) as i64)
}

async fn run_ingestor(polar: &Polar) {
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(BATCH)
        .max_delay(Duration::from_millis(20))
        .max_requests_per_second(0.0)
        .start()
        .expect("ingestor");
    for n in 0..BATCHED_EVENTS {
        ingestor.send(event(n)).await.expect("send");
    }
    let report = ingestor.close().await;
    assert_eq!(report.stats.failed, 0);
}

async fn run_batcher(raw: &reqwest::Client, url: &str) {
    let events: Vec<NewEvent> = (0..BATCHED_EVENTS).map(event).collect();
    for chunk in events.chunks(BATCH) {
        let body = serde_json::to_vec(&serde_json::json!({ "events": chunk })).expect("json");
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
}

async fn run_single(polar: &Polar) {
    for n in 0..SINGLE_EVENTS {
        polar.events().ingest(vec![event(n)]).await.expect("ingest");
    }
}

fn cpu_ns_per_event(events: usize, run: impl FnOnce()) -> f64 {
    let before = support::process_cpu_ms().unwrap_or(0.0);
    run();
    let after = support::process_cpu_ms().unwrap_or(0.0);
    (after - before) * 1e6 / events as f64
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
    fn spawn() -> Self {
        let program = std::env::current_exe().expect("own path");
        let mut child = Command::new(program)
            .env(SERVE_ENV, "1")
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(answer(stream));
            }
        });
    });
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "http://{address}").and_then(|()| stdout.flush());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

/// Reads requests (head and `Content-Length` body) and answers each with `200 BODY`.
async fn answer(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: {}\r\ncontent-length: {}\r\n\r\n{BODY}",
        httpdate_now(),
        BODY.len()
    );
    let mut buffer = Vec::with_capacity(1 << 16);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        while let Some(head_end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let total = head_end + 4 + content_length(&buffer[..head_end]);
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

fn httpdate_now() -> String {
    // A fixed past date: the ingestor only reads it when a batch is refused.
    "Sun, 06 Nov 1994 08:49:37 GMT".to_owned()
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
