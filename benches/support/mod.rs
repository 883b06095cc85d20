//! What the benchmark and the load example share: the seed customer (as our builder and as raw
//! JSON), the raw-reqwest baseline client, and CPU/memory readings from `/proc`.
//!
//! Included with `#[path]` by `benches/create_customer.rs` and `examples/load.rs`; not a target.

use polar_client::{Address, Country, NewCustomer, Owner};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

/// The `Polar-Version` both clients send.
pub const API_VERSION: &str = polar_client::DEFAULT_API_VERSION;

/// The seed page's customer through our builder; `tag` makes the email and external IDs unique.
/// Without the page's `organization_id`: an organization token (as used here) must not send one.
pub fn seed_customer(tag: &str) -> NewCustomer {
    NewCustomer::individual(format!("customer+{tag}@example.com"))
        .external_id(format!("usr_{tag}"))
        .name("John Doe")
        .billing_address(Address::new(Country::US))
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

/// The baseline: a plain `reqwest` POST of JSON, decoded into a `serde_json::Value`, no retries.
pub struct RawClient {
    http: reqwest::Client,
    url: String,
    authorization: HeaderValue,
    timeout: Option<std::time::Duration>,
}

impl RawClient {
    /// A reqwest client as reqwest builds it by default (rustls with aws-lc-rs, like ours).
    pub fn new(base_url: &str, token: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent("raw-reqwest")
            .build()
            .map_err(|e| e.to_string())?;
        let authorization =
            HeaderValue::try_from(format!("Bearer {token}")).map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            url: format!("{}/v1/customers/", base_url.trim_end_matches('/')),
            authorization,
            timeout: None,
        })
    }

    /// The same baseline with a per-request timeout, as any production client has (ours defaults
    /// to 10 s); a tokio timer per request is part of what a create costs.
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// One create: POST the body, fail on a non-2xx status, decode the answer.
    pub async fn create(&self, body: &Value) -> Result<Value, reqwest::Error> {
        let mut request = self.http.post(&self.url);
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        request
            .header(AUTHORIZATION, self.authorization.clone())
            .header("polar-version", API_VERSION)
            .header(ACCEPT, "application/json")
            .json(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

/// CPU time used so far by the calling thread, in nanoseconds (`/proc/thread-self/schedstat`).
pub fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// User plus system CPU time used so far by the whole process (all threads, living or exited),
/// in milliseconds, from `/proc/self/stat` (clock-tick resolution, 100 Hz on Linux).
pub fn process_cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: split after its `)`.
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // Fields after the name start at 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 * 10.0)
}

/// The process's peak resident set size in KiB (`VmHWM` in `/proc/self/status`).
pub fn max_rss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
