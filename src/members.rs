//! Members of a customer: the [`Member`] Polar returns and its [`MemberRole`].

mod member;

pub use member::{Member, MemberRole};
