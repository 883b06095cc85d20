//! The one place a caller's string becomes a URL path segment, and where a request's path meets
//! the client's base URL ([`BaseUrl`]).
//!
//! The generated code percent-encodes path parameters, but leaves `\` and whole `.`/`..` segments
//! as they are, and the URL parser then resolves them (`\` counts as `/` in http(s) URLs): an ID
//! such as `..\..\v1\organizations` would leave its segment and reach another endpoint with the
//! access token. Polar's server also decodes `%2F` before routing, so an ID containing `/` cannot
//! be addressed by path at all. Such IDs are refused here, before anything is sent; every other
//! string stays inside its segment once encoded.

use reqwest::Url;

use crate::error::Error;
use crate::validate::InputProblem;

/// The client's base URL, parsed once. Every request's URL is a copy with the request's path
/// appended to the base path: only the path is parsed per request, not the scheme and host.
#[derive(Clone, Debug)]
pub(crate) struct BaseUrl {
    url: Url,
    /// The base URL's path without its trailing `/` (empty for a bare host).
    path: String,
}

impl BaseUrl {
    /// The base URL `url` (which has no query or fragment: the client builder refuses those).
    pub(crate) fn new(url: Url) -> Self {
        let path = url.path().trim_end_matches('/').to_owned();
        Self { url, path }
    }

    /// The URL of a request to `path` (an operation's path, its parameters percent-encoded by the
    /// generated code): the same URL as parsing the base URL's text followed by `path` gives.
    pub(crate) fn join(&self, path: &str) -> Url {
        let mut url = self.url.clone();
        if self.path.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&format!("{}{path}", self.path));
        }
        url
    }
}

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
    use super::*;
    use crate::random_cases::{self, ascii_range, one_of, printable};

    const PREFIX: &str = "/v1/customers/external/";

    /// The URL path sent for a path parameter: the generated code's encoding, then the base URL.
    fn sent_path(value: &str) -> String {
        let base = BaseUrl::new(Url::parse("https://api.polar.sh").unwrap());
        let path = format!("{PREFIX}{}", progenitor_client::encode_path(value));
        base.join(&path).path().to_owned()
    }

    /// What progenitor's own code would send: base URL and path as one text, parsed whole.
    fn parsed_whole(base: &str, path: &str) -> Url {
        Url::parse(&format!("{base}{path}")).unwrap()
    }

    const BASES: [&str; 5] = [
        "https://api.polar.sh",
        "https://sandbox-api.polar.sh",
        "http://127.0.0.1:8766",
        "http://[::1]:9000/polar",
        "https://proxy.example.com/a/b",
    ];

    #[test]
    fn joined_urls_are_the_urls_the_whole_text_parses_to() {
        for base in BASES {
            let joined = BaseUrl::new(Url::parse(base).unwrap());
            for path in [
                "/v1/customers/",
                "/v1/customers/external/usr_1",
                "/v1/customers/992fae2a-2a17-4b7a-8d9e-e287cf90131b/state",
            ] {
                assert_eq!(joined.join(path), parsed_whole(base, path), "{base} {path}");
            }
        }
        // A trailing slash on the base (the builder trims it; kept right all the same).
        let slashed = BaseUrl::new(Url::parse("https://proxy.example.com/a/").unwrap());
        assert_eq!(
            slashed.join("/v1/customers/").as_str(),
            "https://proxy.example.com/a/v1/customers/"
        );
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

    /// A path parameter as a caller might pass it: up to 12 characters, either from the ones that
    /// matter to URL parsing (`.`, `/`, `\`, `%`, `?`, `#`, `;`, controls, space, letters) or any
    /// printable ones.
    fn any_value(rng: &mut fastrand::Rng) -> String {
        if rng.bool() {
            let alphabet: Vec<char> = ['.', '/', '\\', '%', '?', '#', ';', ' ']
                .into_iter()
                .chain(ascii_range('a', 'z'))
                .chain(ascii_range('\u{0}', '\u{1f}'))
                .collect();
            random_cases::string(rng, 0..=12, |rng| one_of(rng, &alphabet))
        } else {
            random_cases::string(rng, 0..=12, printable)
        }
    }

    /// For any path parameter, the URL sent is the one parsing the whole text would give.
    #[test]
    fn joining_matches_parsing_the_whole_text() {
        random_cases::check(1_000, |rng| {
            let base = rng.usize(..BASES.len());
            let value = any_value(rng);
            let path = format!("{PREFIX}{}", progenitor_client::encode_path(&value));
            let joined = BaseUrl::new(Url::parse(BASES[base]).unwrap()).join(&path);
            assert_eq!(joined, parsed_whole(BASES[base], &path), "{value:?}");
        });
    }

    /// Whatever a caller passes, an accepted ID is sent as exactly one non-empty segment after
    /// the generated encoding and URL parsing.
    #[test]
    fn an_accepted_id_stays_in_its_segment() {
        random_cases::check(1_000, |rng| {
            let value = any_value(rng);
            if segment("external_id", &value).is_ok() {
                let path = sent_path(&value);
                let rest = path.strip_prefix(PREFIX);
                assert!(
                    rest.is_some_and(|r| !r.is_empty() && !r.contains('/')),
                    "{value:?} → {path}"
                );
            }
        });
    }
}
