//! Customer portal sessions: the [`CustomerSession`] Polar returns.

mod session;

pub use session::CustomerSession;
