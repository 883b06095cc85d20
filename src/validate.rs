//! Client-side validation of a create request: every deterministic rule checked before anything is sent.

/// One problem found in the caller's input before anything was sent.
///
/// `field` is a dotted path into the request body (`"billing_address.country"`, `"metadata.plan"`),
/// `message` one sentence saying what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    field: String,
    message: String,
}

impl InputProblem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The dotted path of the offending field, e.g. `"owner.email"`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong, as one sentence.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
