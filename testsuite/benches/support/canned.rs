//! The canned server both harnesses measure against: HTTP/1.1 keep-alive on 127.0.0.1 that
//! answers every request with Polar's 201 for a created customer, doing no other work, so what a
//! client run costs is the client's. It runs in a child process of the harness ([`Server`]), as a
//! user's Polar would, so the client's process holds only the client.

use std::io::{BufRead, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A created customer exactly as Polar sends it: uuid ids, microsecond timestamps, the full
/// billing address with nulls, `tax_id` null, a Gravatar URL.
pub const CREATED_BODY: &str = r#"{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-04-01T10:00:00.123456Z","modified_at":null,"metadata":{},"external_id":"usr_1337","email":"customer@example.com","email_verified":false,"type":"individual","name":"John Doe","billing_name":"John Doe","billing_address":{"line1":null,"line2":null,"postal_code":null,"city":null,"state":null,"country":"US"},"tax_id":null,"locale":"en","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/5b8e5c1b8b4c8b0b6f7b7c0a6d8e3f21?d=404"}"#;

/// Binds a free port of 127.0.0.1 and serves on its own thread and runtime; returns the address.
fn start() -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream));
            }
        });
    });
    Ok(address)
}

/// The environment variable that makes a harness binary serve instead of measure (see [`serve`]).
pub const SERVE_ENV: &str = "POLAR_BENCH_SERVE_CANNED";

/// When this process was started by [`Server::spawn`]: serves on a free port, prints its base URL
/// and returns once the parent closes stdin (or exits). `None` in any other process.
pub fn serve() -> Option<Result<(), String>> {
    std::env::var_os(SERVE_ENV)?;
    Some((|| {
        let address = start().map_err(|e| format!("canned server: {e}"))?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "http://{address}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("stdout: {e}"))?;
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        Ok(())
    })())
}

/// The canned server in a child process (this same binary, which must call [`serve`] first
/// thing in `main`); it stops when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl Server {
    /// Starts the child and waits for its URL.
    pub fn spawn() -> Result<Self, String> {
        let program = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
        let mut child = Command::new(program)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the canned server: {e}"))?;
        let mut url = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = std::io::BufReader::new(stdout).read_line(&mut url);
        }
        let base_url = url.trim().to_owned();
        if !base_url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            return Err(format!("the canned server printed {url:?}"));
        }
        Ok(Self { child, base_url })
    }

    /// The server's socket address.
    pub fn address(&self) -> Result<SocketAddr, String> {
        self.base_url["http://".len()..]
            .parse()
            .map_err(|e| format!("{}: {e}", self.base_url))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing its stdin ends the server.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Reads a request head and its `Content-Length` body, answers 201, repeats.
async fn serve_connection(mut stream: TcpStream) {
    let response = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\npolar-version: {}\r\nx-request-id: bench\r\ncontent-length: {}\r\n\r\n{CREATED_BODY}",
        super::API_VERSION,
        CREATED_BODY.len()
    );
    let mut buffer = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Answer as many complete requests as the buffer holds.
        while let Some(head_end) = find(&buffer, b"\r\n\r\n") {
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
