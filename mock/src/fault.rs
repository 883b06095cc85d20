//! Faults the mock can inject into its next answers.

use std::time::Duration;

/// A failure to inject instead of (or around) the next answer; queue it with
/// [`MockPolar::fail_next`](super::MockPolar::fail_next).
///
/// Each queued fault is consumed by one incoming request after the `Polar-Version` and body-size
/// checks: any request for [`MockPolar::fail_next`](super::MockPolar::fail_next), or the next one
/// of a method and path prefix for
/// [`MockPolar::fail_next_matching`](super::MockPolar::fail_next_matching).
///
/// # Examples
/// ```
/// use polar_client_mock::{Fault, MockPolar};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let polar = MockPolar::start().await?;
/// polar.fail_next(2, Fault::RateLimited { retry_after: Duration::from_secs(1) });
/// polar.fail_next(1, Fault::DropAfterStore);
/// # Ok(())
/// # }
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `429` with an empty body and `Retry-After` in whole seconds (rounded up); nothing is
    /// stored.
    RateLimited {
        /// The wait the server asks for.
        retry_after: Duration,
    },
    /// A server error with a small JSON body, as the application itself would send it.
    ServerError {
        /// The status code, e.g. 500 or 503.
        status: u16,
    },
    /// An HTML error page from a reverse proxy in front of the server (e.g. 502 Bad Gateway),
    /// without any of Polar's headers.
    ProxyErrorPage {
        /// The status code, e.g. 502 or 504.
        status: u16,
    },
    /// Read the request, store nothing and close the connection without any answer.
    DropBeforeStore,
    /// Process the request normally (a create is stored), then close the connection instead of
    /// answering: the lost-201 case.
    DropAfterStore,
    /// Wait this long, then answer normally. As on Polar, the request is still processed (a
    /// create stored) if the client gives up meanwhile.
    Delay(Duration),
    /// Process the request normally, send the headers with the full `Content-Length` but only
    /// part of the body, then close the connection.
    TruncatedBody,
    /// Process the request normally (a create is stored), then answer with a reverse proxy's
    /// error page instead, as a gateway does when the application answered too late (e.g. 504).
    ProxyErrorPageAfterStore {
        /// The status code, e.g. 504.
        status: u16,
    },
    /// Process the request normally (a create is stored) and answer with its status, but with a
    /// body that is not JSON.
    MalformedBody,
}
