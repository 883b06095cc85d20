//! What the benchmark and the load example share: the seed customer (as our builder and as raw
//! JSON), the hand-written reqwest floor, the canned server, an allocation-counting global
//! allocator, and CPU/memory readings from `/proc`.
//!
//! Included with `#[path]` by `benches/create_customer.rs` and `examples/load.rs`; not a target.

pub mod canned;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use polar_client::{Country, NewAddress, NewCustomer, Owner};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};

/// The system allocator, counting the allocations each thread makes (a reallocation counts as
/// one), so a run can report allocations per create. Install it in the target with
/// `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: nothing is counted while the thread's locals are being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is touched.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations made so far by the calling thread (0 unless [`CountingAllocator`] is installed).
pub fn thread_allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The `Polar-Version` both clients send.
pub const API_VERSION: &str = polar_client::DEFAULT_API_VERSION;

/// The seed page's customer through our builder; `tag` makes the email and external IDs unique.
/// Without the page's `organization_id`: an organization token (as used here) must not send one.
pub fn seed_customer(tag: &str) -> NewCustomer {
    NewCustomer::individual(format!("customer+{tag}@example.com"))
        .external_id(format!("usr_{tag}"))
        .name("John Doe")
        .billing_address(NewAddress::new(Country::US))
        .locale("en")
        .owner(
            Owner::new(format!("member+{tag}@example.com"))
                .name("Jane Doe")
                .external_id(format!("usr_{tag}_owner")),
        )
}

/// The same customer as the raw baseline builds it: a `serde_json::Value`.
pub fn seed_json(tag: &str) -> Value {
    json!({
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
    })
}

/// Our client, against `base_url`, with its default HTTP client (rustls + aws-lc-rs) and retry policy.
pub fn polar_client(
    base_url: &str,
    token: &str,
) -> Result<polar_client::Polar, polar_client::Error> {
    polar_client::Polar::builder()
        .access_token(token)
        .base_url(base_url)
        .build()
}

/// The floor: what a careful hand-written create costs on the same stack as our client — reqwest
/// with this crate's features (rustls with aws-lc-rs), no redirects followed, a per-request
/// timeout, the JSON body posted as bytes, the 201 decoded into a `serde_json::Value`, no retries.
pub struct RawClient {
    http: reqwest::Client,
    url: String,
    authorization: HeaderValue,
}

impl RawClient {
    /// The floor against `base_url`, with the same per-request timeout as our client's default.
    pub fn new(base_url: &str, token: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent("raw-reqwest")
            .redirect(reqwest::redirect::Policy::none())
            .timeout(polar_client::DEFAULT_TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let authorization =
            HeaderValue::try_from(format!("Bearer {token}")).map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            url: format!("{}/v1/customers/", base_url.trim_end_matches('/')),
            authorization,
        })
    }

    /// One create: serialize the body, POST it as bytes, fail on a non-2xx status, decode the answer.
    pub async fn create(&self, body: &Value) -> Result<Value, String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("polar-version", API_VERSION)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

/// CPU time used so far by the calling thread, in nanoseconds (`/proc/thread-self/schedstat`).
pub fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CPU time (user and system) used so far by the process's living threads, in milliseconds:
/// the sum of each thread's `/proc/self/task/*/schedstat` run time, which the scheduler keeps in
/// nanoseconds (`/proc/self/stat`'s user and system times are sampled at the clock tick, a few
/// percent of noise over a few seconds of short bursts).
pub fn process_cpu_ms() -> Option<f64> {
    let mut total_ns: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total_ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total_ns as f64 / 1e6)
}

/// The process's peak resident set size in KiB (`VmHWM` in `/proc/self/status`).
pub fn max_rss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), to print beside CPU figures.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}
