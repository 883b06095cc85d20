//! The canned server both harnesses measure against: HTTP/1.1 keep-alive on 127.0.0.1 that
//! answers every request with Polar's 201 for a created customer, doing no other work, so what a
//! client run costs is the client's.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A created customer exactly as Polar sends it: uuid ids, microsecond timestamps, the full
/// billing address with nulls, `tax_id` null, a Gravatar URL.
pub const CREATED_BODY: &str = r#"{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-04-01T10:00:00.123456Z","modified_at":null,"metadata":{},"external_id":"usr_1337","email":"customer@example.com","email_verified":false,"type":"individual","name":"John Doe","billing_name":"John Doe","billing_address":{"line1":null,"line2":null,"postal_code":null,"city":null,"state":null,"country":"US"},"tax_id":null,"locale":"en","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/5b8e5c1b8b4c8b0b6f7b7c0a6d8e3f21?d=404"}"#;

/// Binds 127.0.0.1 (`port` 0 picks a free one) and serves on its own thread and runtime, so its
/// work is not the client's; returns the address.
pub fn start(port: u16) -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
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
