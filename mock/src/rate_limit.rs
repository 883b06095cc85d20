//! The mock's rate limit, as Polar's: a number of requests per window for the whole organization,
//! counted before authentication; past it, `429` with an empty body and `Retry-After` set to the
//! window's length (not the time left), as `polarsource/polar` `server/polar/rate_limit.py` does.
//!
//! A window opens with the first request after the previous one closed and lasts its full length,
//! like a counter with an expiry in Redis.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The limit and its current window; off until configured.
#[derive(Debug, Default)]
pub(crate) struct RateLimit {
    limit: Mutex<Option<Window>>,
    refused: AtomicU64,
}

/// One limit and where its current window stands.
#[derive(Debug)]
struct Window {
    requests: u32,
    per: Duration,
    opened: Option<Instant>,
    seen: u32,
}

impl RateLimit {
    /// Turns the limit on: `requests` per window of length `per`.
    pub(crate) fn set(&self, requests: u32, per: Duration) {
        *self.lock() = Some(Window {
            requests,
            per,
            opened: None,
            seen: 0,
        });
    }

    /// Counts one request; `Some(window)` when it is over the limit and must get a `429`.
    pub(crate) fn check(&self) -> Option<Duration> {
        let mut guard = self.lock();
        let window = guard.as_mut()?;
        let now = Instant::now();
        if window
            .opened
            .is_none_or(|opened| now >= opened + window.per)
        {
            window.opened = Some(now);
            window.seen = 0;
        }
        window.seen = window.seen.saturating_add(1);
        if window.seen <= window.requests {
            return None;
        }
        self.refused.fetch_add(1, Ordering::Relaxed);
        Some(window.per)
    }

    /// How many requests got a `429` from the limit so far.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Window>> {
        self.limit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_window_opens_with_its_first_request_and_refuses_past_the_limit() {
        let limit = RateLimit::default();
        assert_eq!(limit.check(), None, "off until set");
        limit.set(2, Duration::from_secs(10));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(limit.check(), None);
        assert_eq!(limit.check(), None);
        assert_eq!(limit.check(), Some(Duration::from_secs(10)));
        tokio::time::advance(Duration::from_secs(9)).await;
        assert_eq!(limit.check(), Some(Duration::from_secs(10)), "same window");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(limit.check(), None, "a new window");
        assert_eq!(limit.refused(), 2);
    }
}
