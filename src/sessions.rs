//! Customer portal sessions: the [`NewCustomerSession`] to create and the [`CustomerSession`]
//! Polar returns.

mod new_session;
mod session;

pub use new_session::NewCustomerSession;
pub use session::CustomerSession;
