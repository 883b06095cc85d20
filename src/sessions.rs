//! Customer portal sessions: the [`CustomerSessions`] handler (its operation in `sessions/create.rs`),
//! the [`NewCustomerSession`] to create and the [`CustomerSession`] Polar returns.

mod create;
mod new_session;
mod session;

pub use new_session::NewCustomerSession;
pub use session::CustomerSession;

use crate::client::Polar;

/// Customer portal session operations of one [`Polar`] client, from [`Polar::customer_sessions`].
#[derive(Debug, Clone, Copy)]
pub struct CustomerSessions<'a> {
    polar: &'a Polar,
}

impl<'a> CustomerSessions<'a> {
    pub(crate) fn new(polar: &'a Polar) -> Self {
        Self { polar }
    }
}
