//! Per-call context: what a customer operation tells the request hooks, and what they report back.
//!
//! The generated client hands the hooks only the built `reqwest::Request`. Facts that belong to the
//! call rather than to the request — may this body be replayed, what did the retry loop see — travel
//! in a task-local [`Call`] that the operation scopes around the generated call.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::Error;

tokio::task_local! {
    static CURRENT: Arc<Call>;
}

/// One customer operation in flight.
#[derive(Debug)]
pub(crate) struct Call {
    /// Whether re-sending this request after it may have reached the server is harmless
    /// (a GET, or a create whose body carries a dedup key).
    pub(crate) replay_safe: bool,
    report: Mutex<Report>,
}

/// What the retry loop observed, read by the operation once the generated call returns.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The classified error of the final attempt, when it ended in a non-2xx response.
    pub(crate) error: Option<Error>,
    /// Whether the final attempt may have reached the server (meaningful for transport errors).
    pub(crate) last_may_have_reached_server: bool,
    /// Whether an attempt before the final one may have reached the server and been acted upon.
    pub(crate) earlier_attempt_may_have_landed: bool,
    /// The HTTP status of the final attempt, when it got a response.
    pub(crate) status: Option<u16>,
    /// Attempts made.
    pub(crate) attempts: u32,
    /// The final attempt's time limit (what a timeout error reports).
    pub(crate) attempt_timeout: Duration,
}

impl Call {
    /// Runs the operation `start` begins with a fresh call context and returns its output with
    /// the loop's report.
    pub(crate) async fn run<F: Future>(
        replay_safe: bool,
        start: impl FnOnce() -> F,
    ) -> (F::Output, Report) {
        let call = Arc::new(Call {
            replay_safe,
            report: Mutex::new(Report::default()),
        });
        // Started here and boxed: a generated call's future is kilobytes; inline (or passed in
        // already built), every future awaiting this one would carry and copy it.
        let output = Box::pin(CURRENT.scope(Arc::clone(&call), start())).await;
        let report =
            std::mem::take(&mut *call.report.lock().unwrap_or_else(PoisonError::into_inner));
        (output, report)
    }

    /// The call the current task is running, if any.
    pub(crate) fn current() -> Option<Arc<Call>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Records the loop's findings.
    pub(crate) fn record(&self, update: impl FnOnce(&mut Report)) {
        update(&mut self.report.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
