//! A request as the mock received it, for assertions in tests.

use std::fmt;

/// One request the mock received, in arrival order (see
/// [`MockPolar::requests`](super::MockPolar::requests)).
///
/// Its `Debug` output hides the `Authorization` header's value.
///
/// # Examples
/// ```
/// # use polar_client_mock::MockPolar;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let polar = MockPolar::start().await?;
/// // ... send requests to polar.base_url() ...
/// for request in polar.requests() {
///     println!("{} {} version={:?}", request.method, request.path, request.header("polar-version"));
/// }
/// # Ok(())
/// # }
/// ```
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The path with its query string, e.g. `"/v1/customers/"`.
    pub path: String,
    /// Header names (lower case) and values, in the order received; values that are not UTF-8
    /// are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty when the server refused to read the body, e.g. for a 411 or 413).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if name.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    value
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}
