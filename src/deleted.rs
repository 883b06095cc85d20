//! [`Deleted`]: what a successful delete knows — whether this call's own request is known to
//! have deleted the resource, or only that the resource was gone when a retry looked.

/// What a delete that returned `Ok` knows.
///
/// A delete is safe to send again, so the client retries it when an attempt's answer is lost
/// (a timeout, a dropped connection, a 5xx). When a retry then finds nothing, two stories fit
/// what the client saw: the lost attempt deleted it, or it was already gone (deleted earlier,
/// or never there — a mistyped ID looks the same). The result says which story is certain.
///
/// ```
/// use polar_client::Deleted;
///
/// fn log(outcome: Deleted) {
///     if outcome.is_confirmed() {
///         println!("deleted");
///     } else {
///         println!("gone, but maybe not by us: check the ID if this was unexpected");
///     }
/// }
/// # log(Deleted::ByThisCall);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deleted {
    /// Polar answered this call's request by deleting the resource.
    ByThisCall,
    /// An attempt whose answer was lost may have deleted it, and a later attempt found it gone:
    /// either that attempt deleted it, or no such live resource existed before the call.
    GoneAfterLostAnswer,
}

impl Deleted {
    /// Whether this call is known to have deleted the resource ([`Deleted::ByThisCall`]).
    pub fn is_confirmed(self) -> bool {
        self == Self::ByThisCall
    }
}
