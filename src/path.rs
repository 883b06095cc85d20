//! The one place a caller's string becomes a URL path segment.
//!
//! The generated code percent-encodes path parameters, but leaves `\` and whole `.`/`..` segments
//! as they are, and the URL parser then resolves them (`\` counts as `/` in http(s) URLs): an ID
//! such as `..\..\v1\organizations` would leave its segment and reach another endpoint with the
//! access token. Polar's server also decodes `%2F` before routing, so an ID containing `/` cannot
//! be addressed by path at all. Such IDs are refused here, before anything is sent; every other
//! string stays inside its segment once encoded.

use crate::error::Error;
use crate::validate::InputProblem;

/// Checks that `value`, the caller's `field`, can be sent as one path segment, and returns it.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `value` is empty, `.` or `..`, or contains `/`, `\`
/// or a control character.
pub(crate) fn segment<'a>(field: &str, value: &'a str) -> Result<&'a str, Error> {
    let problem = if value.is_empty() {
        "is empty; it must name one resource"
    } else if value == "." || value == ".." {
        "is a `.` or `..` path segment, which would address another resource"
    } else if value.contains(['/', '\\']) {
        "contains `/` or `\\`, which Polar reads as a path separator: no resource with such an ID can be looked up by path"
    } else if value.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(value);
    };
    Err(Error::InvalidInput {
        problems: vec![InputProblem::new(field, problem)],
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PREFIX: &str = "/v1/customers/external/";

    /// The URL the generated code builds for a path parameter: its own encoding, then the parser.
    fn sent_path(value: &str) -> String {
        let url = format!(
            "https://api.polar.sh{PREFIX}{}",
            progenitor_client::encode_path(value)
        );
        reqwest::Url::parse(&url)
            .map(|url| url.path().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn refuses_what_could_leave_the_segment() {
        for value in [
            "",
            ".",
            "..",
            r"..\..\..\v1\organizations",
            r"x\..\victim",
            "abc/state",
            "../x",
            "a\u{0}b",
            "a\nb",
            "a\u{7f}",
            "a\u{85}b",
        ] {
            let err = segment("external_id", value).unwrap_err();
            let problems = err.problems();
            assert_eq!(problems.len(), 1, "{value:?}");
            assert_eq!(problems[0].field(), "external_id");
        }
    }

    #[test]
    fn keeps_ordinary_ids() {
        for value in [
            "usr_42",
            "...",
            ".a",
            "a.",
            "%2e%2e",
            "ünï cödé",
            "a?b#c",
            "%2F",
        ] {
            assert_eq!(segment("external_id", value).ok(), Some(value));
            let path = sent_path(value);
            let rest = path
                .strip_prefix(PREFIX)
                .unwrap_or_else(|| panic!("{path}"));
            assert!(
                !rest.is_empty() && !rest.contains('/'),
                "{value:?} → {path}"
            );
        }
    }

    proptest! {
        /// Whatever a caller passes, an accepted ID is sent as exactly one non-empty segment after
        /// the generated encoding and URL parsing.
        #[test]
        fn an_accepted_id_stays_in_its_segment(value in r"[./\\%a-z?#;\x00-\x1f ]{0,12}|\PC{0,12}") {
            if segment("external_id", &value).is_ok() {
                let path = sent_path(&value);
                let rest = path.strip_prefix(PREFIX);
                prop_assert!(rest.is_some_and(|r| !r.is_empty() && !r.contains('/')), "{value:?} → {path}");
            }
        }
    }
}
