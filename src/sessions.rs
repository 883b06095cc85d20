//! Customer portal sessions: the [`CustomerSessions`] handler (its operation in `sessions/create.rs`),
//! the [`NewCustomerSession`] to create and the [`CustomerSession`] Polar returns.

mod create;
mod new_session;
mod session;

pub use new_session::NewCustomerSession;
pub use session::CustomerSession;

use crate::core::Core;

/// Customer portal session operations of one [`Polar`](crate::Polar) client, from [`Polar::customer_sessions`](crate::Polar::customer_sessions).
#[derive(Debug, Clone)]
pub struct CustomerSessions {
    core: Core,
}

impl CustomerSessions {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}
