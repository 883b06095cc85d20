//! Members of a customer: the [`Member`] Polar returns with its [`MemberRole`], and the
//! [`NewMember`] and [`MemberUpdate`] request bodies.

mod member;
mod new_member;
mod update;

pub use member::{Member, MemberRole};
pub use new_member::{NewMember, NewMemberRole};
pub use update::MemberUpdate;
