//! [`Core`]: what every resource handle owns — a cheap clone of one client's generated API and
//! state — so that the futures and streams built from a handle own everything they use.

use std::future::Future;
use std::sync::Arc;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use serde::de::DeserializeOwned;

use crate::core::run::{Finished, Operation};
use crate::core::state::ClientState;
use crate::generated;

/// One client's generated API and shared state, behind an `Arc`: cloning it is a reference count.
#[derive(Clone, Debug)]
pub(crate) struct Core {
    api: Arc<generated::Client>,
}

impl Core {
    /// Wraps a generated client (built once, by the `Polar` builder).
    pub(crate) fn new(api: generated::Client) -> Self {
        Self { api: Arc::new(api) }
    }

    /// The generated API, for one operation's request.
    pub(crate) fn api(&self) -> &generated::Client {
        &self.api
    }

    /// What every request of this client shares.
    pub(crate) fn state(&self) -> &ClientState {
        progenitor_client::ClientInfo::inner(&*self.api)
    }

    /// The base URL requests go to, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&*self.api)
    }

    /// Runs one generated call through the retry loop with this client's policy.
    pub(crate) async fn run<T, F, Fut>(&self, op: Operation, send: F) -> Finished<T>
    where
        T: DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, GeneratedError<()>>>,
    {
        crate::core::run::run(self.state(), op, send).await
    }
}
