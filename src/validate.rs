//! Client-side validation: every deterministic rule checked before anything is sent. [`Checker`]
//! holds the field checks every request shares (email, name, identifiers, address, locale,
//! metadata, UUIDs, URLs); [`validate`] applies them to a create request.
//!
//! Rules follow what Polar's server enforces (read from its source, `polarsource/polar`), so a request that passes is
//! rejected by the server only for what needs its data (duplicates, DNS of the email domain, tax-id
//! checksums, organization membership). All problems are collected, never just the first.
//!
//! Deliberate differences: `external_id`, `owner.external_id` and `tax_id` set to `""` are reported
//! (the server would silently store null, which is never what the caller meant); an empty `name` or
//! address line is let through, as the server stores it as null.

use std::collections::BTreeMap;

use crate::excerpt::escape_controls;
use crate::{Country, MetadataValue, NewAddress, NewCustomer};

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
        Self {
            field: field.into(),
            message: message.into(),
        }
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

/// Field and message as one line: control characters a caller's value brought in are escaped.
impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            escape_controls(&self.field),
            escape_controls(&self.message)
        )
    }
}

/// What kind of access token the client holds, read from its prefix; decides the `organization_id` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An organization access token (`polar_oat_…`): `organization_id` must be absent.
    Organization,
    /// A personal access token (`polar_pat_…`): `organization_id` is required.
    Personal,
    /// Any other token: no `organization_id` rule is applied.
    Unknown,
}

impl TokenKind {
    /// Classifies a token by its prefix (the token itself is not kept).
    pub(crate) fn of(token: &str) -> Self {
        if token.starts_with("polar_oat_") {
            Self::Organization
        } else if token.starts_with("polar_pat_") {
            Self::Personal
        } else {
            Self::Unknown
        }
    }
}

const MAX_NAME_CHARS: usize = 256;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_EMAIL_LOCAL_CHARS: usize = 64;
const MAX_METADATA_ENTRIES: usize = 50;
const MAX_METADATA_KEY_CHARS: usize = 40;
const MAX_METADATA_STRING_CHARS: usize = 500;
const MAX_URL_CHARS: usize = 2083;

/// Checks `customer` against every rule that needs neither the network nor Polar's data.
///
/// # Errors
///
/// Every problem found, in body order, each with its field path.
pub(crate) fn validate(customer: &NewCustomer, token: TokenKind) -> Result<(), Vec<InputProblem>> {
    let mut check = Checker::default();
    check.customer(customer);
    check.token_rules(customer, token);
    check.finish()
}

/// Collects the problems of one request; each check reports under the field path it is given.
#[derive(Default)]
pub(crate) struct Checker {
    problems: Vec<InputProblem>,
}

impl Checker {
    /// Every problem reported, or `Ok` when there was none.
    pub(crate) fn finish(self) -> Result<(), Vec<InputProblem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }

    // Cold and out of line: every check's failure branch then sits away from the checks
    // themselves, so valid input (the common case) runs through fewer cache lines of code.
    #[cold]
    #[inline(never)]
    pub(crate) fn report(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(InputProblem::new(field, message));
    }

    /// Reports a NUL character; true when `value` is free of them (so further checks make sense).
    pub(crate) fn clean(&mut self, field: &str, value: &str) -> bool {
        let clean = !value.contains('\0');
        if !clean {
            self.report(field, "contains a NUL character, which Polar rejects.");
        }
        clean
    }

    /// An email address (syntax only; Polar also checks the domain's DNS).
    pub(crate) fn email(&mut self, field: &str, value: &str) {
        if self.clean(field, value)
            && let Some(message) = email_problem(value)
        {
            self.report(field, message);
        }
    }

    /// A name: at most 256 characters.
    pub(crate) fn name(&mut self, field: &str, value: &str) {
        if self.clean(field, value) {
            let chars = char_count_above(value, MAX_NAME_CHARS);
            if chars > MAX_NAME_CHARS {
                self.report(
                    field,
                    format!("is {chars} characters long; at most {MAX_NAME_CHARS} are allowed."),
                );
            }
        }
    }

    /// An identifier the caller chose to set (`external_id`, `tax_id`): it must say something.
    pub(crate) fn identifier(&mut self, field: &str, value: &str) {
        if self.clean(field, value) && value.is_empty() {
            self.report(field, "must not be empty; leave it unset instead.");
        }
    }

    fn customer(&mut self, customer: &NewCustomer) {
        match customer.email.as_deref() {
            Some("") if !customer.is_team() => {
                self.report(
                    "email",
                    "is required for an individual customer and must not be empty.",
                );
            }
            Some(email) => self.email("email", email),
            None => {}
        }
        if let Some(name) = &customer.name {
            self.name("name", name);
        }
        if let Some(external_id) = &customer.external_id {
            self.identifier("external_id", external_id);
        }
        if let Some(address) = &customer.billing_address {
            self.address(address);
        }
        if let Some(tax_id) = &customer.tax_id {
            self.identifier("tax_id", tax_id);
            if customer.billing_address.is_none() {
                self.report(
                    "billing_address",
                    "is required with a tax_id, because Polar needs the country to validate the tax ID.",
                );
            }
        }
        if let Some(locale) = &customer.locale {
            self.locale("locale", locale);
        }
        if let Some(id) = &customer.organization_id {
            self.uuid("organization_id", id);
        }
        match &customer.owner {
            Some(owner) => {
                self.email("owner.email", &owner.email);
                if let Some(name) = &owner.name {
                    self.name("owner.name", name);
                }
                if let Some(external_id) = &owner.external_id {
                    self.identifier("owner.external_id", external_id);
                }
            }
            None if customer.is_team() && customer.email.is_none() => self.report(
                "owner",
                "is required for a team customer without an email: give the team an email or an owner with one.",
            ),
            None => {}
        }
        self.metadata("metadata", &customer.metadata);
    }

    /// A BCP 47 language tag as Polar accepts it (`en`, `en-US`, `es-419`).
    pub(crate) fn locale(&mut self, field: &str, locale: &str) {
        if self.clean(field, locale) && !is_locale(locale) {
            self.report(
                field,
                format!(
                    "`{locale}` is not a language tag like `en` or `en-US` \
                         (2–3 letters, optionally `-` and a 2-letter region or a 3-digit area)."
                ),
            );
        }
    }

    /// A UUID in any version (`organization_id`, a member's ID).
    pub(crate) fn uuid(&mut self, field: &str, id: &str) {
        if self.clean(field, id) && uuid::Uuid::parse_str(id).is_err() {
            self.report(
                field,
                format!("`{id}` is not a UUID like `1dbfc517-0bbf-4301-9ba8-555ca42b9737`."),
            );
        }
    }

    /// A customer's ID: Polar types it as a version-4 UUID and refuses any other version.
    pub(crate) fn customer_id(&mut self, field: &str, id: &str) {
        if !self.clean(field, id) {
            return;
        }
        match uuid::Uuid::parse_str(id) {
            Err(_) => self.report(
                field,
                format!("`{id}` is not a customer ID (a UUID like `992fae2a-2a17-4b7a-8d9e-e287cf90131b`)."),
            ),
            Ok(parsed) if parsed.get_version_num() != 4 => self.report(
                field,
                format!("`{id}` is not a customer ID: Polar's customer IDs are version-4 UUIDs."),
            ),
            Ok(_) => {}
        }
    }

    /// An absolute `http` or `https` URL with a host, at most 2,083 characters (Polar's `HttpUrl`).
    pub(crate) fn http_url(&mut self, field: &str, url: &str) {
        if !self.clean(field, url) {
            return;
        }
        let chars = url.chars().count();
        if chars > MAX_URL_CHARS {
            self.report(
                field,
                format!("is {chars} characters long; at most {MAX_URL_CHARS} are allowed."),
            );
            return;
        }
        let web = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !web {
            self.report(
                field,
                format!("`{url}` is not an absolute http or https URL like `https://example.com/account`."),
            );
        }
    }

    /// A billing address Polar accepts: a country it bills, NUL-free lines, US/CA state codes.
    pub(crate) fn address(&mut self, address: &NewAddress) {
        let address = &address.0;
        let country = &address.country;
        if let Country::Other(code) = country {
            self.report(
                "billing_address.country",
                format!("`{}` is not a country code Polar accepts; use a supported ISO 3166-1 alpha-2 code.", code.escape_debug()),
            );
        } else if !country.is_supported_for_billing() {
            self.report(
                "billing_address.country",
                format!("Polar does not accept billing addresses in `{country}`."),
            );
        }
        for (field, value) in [
            ("billing_address.line1", &address.line1),
            ("billing_address.line2", &address.line2),
            ("billing_address.postal_code", &address.postal_code),
            ("billing_address.city", &address.city),
        ] {
            if let Some(value) = value {
                self.clean(field, value);
            }
        }
        if let Some(state) = &address.state {
            let field = "billing_address.state";
            if self.clean(field, state) {
                let example = match country {
                    Country::US => Some("`CA` or `US-CA`"),
                    Country::CA => Some("`ON` or `CA-ON`"),
                    _ => None,
                };
                if let Some(example) = example
                    && !is_subdivision_code(country.code(), state)
                {
                    self.report(
                            field,
                            format!("`{state}` is not a {country} subdivision code; use the two-letter code like {example}."),
                        );
                }
            }
        }
    }

    /// A metadata map: at most 50 entries, keys of 1 to 40 characters, text values of 1 to 500,
    /// finite numbers, no NUL anywhere.
    pub(crate) fn metadata(&mut self, field: &str, metadata: &BTreeMap<String, MetadataValue>) {
        let entries = metadata.len();
        if entries > MAX_METADATA_ENTRIES {
            self.report(
                field,
                format!("has {entries} entries; at most {MAX_METADATA_ENTRIES} are allowed."),
            );
        }
        for (key, value) in metadata {
            let field = format!("{field}.{}", key.escape_debug());
            let key_chars = key.chars().count();
            if key.contains('\0') {
                self.report(
                    &field,
                    "the key contains a NUL character, which Polar rejects.",
                );
            } else if !(1..=MAX_METADATA_KEY_CHARS).contains(&key_chars) {
                self.report(
                    &field,
                    format!("the key is {key_chars} characters long; keys must have 1 to {MAX_METADATA_KEY_CHARS}."),
                );
            }
            match value {
                MetadataValue::String(text) => {
                    let chars = text.chars().count();
                    if text.contains('\0') {
                        self.report(
                            &field,
                            "the value contains a NUL character, which Polar rejects.",
                        );
                    } else if !(1..=MAX_METADATA_STRING_CHARS).contains(&chars) {
                        self.report(
                            &field,
                            format!("the value is {chars} characters long; text values must have 1 to {MAX_METADATA_STRING_CHARS}."),
                        );
                    }
                }
                MetadataValue::Float(number) if !number.is_finite() => {
                    self.report(
                        &field,
                        format!(
                            "the value {number} is not a finite number, which JSON cannot carry."
                        ),
                    );
                }
                MetadataValue::Float(_) | MetadataValue::Integer(_) | MetadataValue::Bool(_) => {}
            }
        }
    }

    fn token_rules(&mut self, customer: &NewCustomer, token: TokenKind) {
        match (token, &customer.organization_id) {
            (TokenKind::Organization, Some(_)) => self.report(
                "organization_id",
                "remove organization_id: an organization token (`polar_oat_…`) already implies its organization.",
            ),
            (TokenKind::Personal, None) => self.report(
                "organization_id",
                "is required with a personal access token (`polar_pat_…`): set organization_id, or use an organization token.",
            ),
            _ => {}
        }
    }
}

/// A pragmatic syntax check (no DNS): what is wrong with `email`, if anything.
fn email_problem(email: &str) -> Option<String> {
    // Byte lengths bound character counts, so characters are only counted for long addresses.
    let chars = char_count_above(email, MAX_EMAIL_CHARS);
    if chars > MAX_EMAIL_CHARS {
        return Some(format!(
            "is {chars} characters long; an email address has at most {MAX_EMAIL_CHARS}."
        ));
    }
    if has_space_or_control(email) {
        return Some("must not contain spaces or control characters.".into());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some(format!("`{email}` is not an email address: it has no `@`."));
    };
    if domain.contains('@') {
        return Some(format!(
            "`{email}` is not an email address: it has more than one `@`."
        ));
    }
    if local.is_empty() {
        return Some(format!("`{email}` has nothing before the `@`."));
    }
    let local_chars = char_count_above(local, MAX_EMAIL_LOCAL_CHARS);
    if local_chars > MAX_EMAIL_LOCAL_CHARS {
        return Some(format!(
            "has {local_chars} characters before the `@`; at most {MAX_EMAIL_LOCAL_CHARS} are allowed."
        ));
    }
    let dot_pair = local.as_bytes().windows(2).any(|pair| pair == b"..");
    if local.starts_with('.') || local.ends_with('.') || dot_pair {
        return Some(format!("`{email}` has a misplaced dot before the `@`."));
    }
    // All ASCII, so comparing bytes finds exactly these characters (UTF-8 never reuses them).
    let forbidden = |b: u8| {
        matches!(
            b,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'\\' | b',' | b';' | b':' | b'"'
        )
    };
    if local.bytes().any(forbidden) {
        return Some(format!(
            "`{email}` has a character not allowed before the `@`."
        ));
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && if label.is_ascii() {
                label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            } else {
                label.chars().all(|c| c.is_alphanumeric() || c == '-')
            }
    });
    if !domain.contains('.') || !labels_ok {
        return Some(format!(
            "`{email}` needs a domain like `example.com` after the `@`."
        ));
    }
    None
}

/// The number of characters of `text` when its byte length exceeds `limit` (only then can the
/// count exceed it), else its byte length, which is at most `limit`.
fn char_count_above(text: &str, limit: usize) -> usize {
    if text.len() > limit {
        text.chars().count()
    } else {
        text.len()
    }
}

/// Whether `text` holds a whitespace or control character (Unicode's definitions), looking at
/// characters only when the text is not plain ASCII.
fn has_space_or_control(text: &str) -> bool {
    if text.is_ascii() {
        // ASCII whitespace and controls: below `!`, and DEL.
        text.bytes().any(|b| b <= b' ' || b == 0x7f)
    } else {
        text.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// Polar's locale pattern `^[a-zA-Z]{2,3}(-[a-zA-Z]{2}|-[0-9]{3})?$`, by hand, minus the
/// "undetermined" language `und`, which the server refuses.
fn is_locale(locale: &str) -> bool {
    let (language, region) = match locale.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (locale, None),
    };
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| {
        (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
            || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
    });
    language_ok && region_ok && !language.eq_ignore_ascii_case("und")
}

/// `CA` or `US-CA` style: two letters, optionally prefixed by the country's code and a dash.
fn is_subdivision_code(country: &str, state: &str) -> bool {
    let code = match state.split_once('-') {
        Some((prefix, code)) if prefix.eq_ignore_ascii_case(country) => code,
        Some(_) => return false,
        None => state,
    };
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random_cases::{self, ascii_range, control, one_of, printable, whitespace};

    /// The email check as first written (characters throughout), kept as the oracle the faster
    /// one must agree with.
    fn reference_email_problem(email: &str) -> Option<String> {
        let chars = email.chars().count();
        if chars > MAX_EMAIL_CHARS {
            return Some(format!(
                "is {chars} characters long; an email address has at most {MAX_EMAIL_CHARS}."
            ));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Some("must not contain spaces or control characters.".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Some(format!("`{email}` is not an email address: it has no `@`."));
        };
        if domain.contains('@') {
            return Some(format!(
                "`{email}` is not an email address: it has more than one `@`."
            ));
        }
        let local_chars = local.chars().count();
        if local_chars == 0 {
            return Some(format!("`{email}` has nothing before the `@`."));
        }
        if local_chars > MAX_EMAIL_LOCAL_CHARS {
            return Some(format!(
                "has {local_chars} characters before the `@`; at most {MAX_EMAIL_LOCAL_CHARS} are allowed."
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Some(format!("`{email}` has a misplaced dot before the `@`."));
        }
        if local.contains(['(', ')', '<', '>', '[', ']', '\\', ',', ';', ':', '"']) {
            return Some(format!(
                "`{email}` has a character not allowed before the `@`."
            ));
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if !domain.contains('.') || !labels_ok {
            return Some(format!(
                "`{email}` needs a domain like `example.com` after the `@`."
            ));
        }
        None
    }

    /// An email-like string of up to 80 characters: the ASCII that matters to the check (letters,
    /// digits, `.()<>,;:[]"\ _+@-`), any printable character, whitespace and control characters.
    fn any_email(rng: &mut fastrand::Rng) -> String {
        let ascii: Vec<char> = ascii_range('a', 'z')
            .chain(ascii_range('0', '9'))
            .chain(".()<>,;:[]\"\\ _+@-".chars())
            .collect();
        random_cases::string(rng, 0..=80, |rng| match rng.u8(..4) {
            0 => printable(rng),
            1 => {
                if rng.bool() {
                    whitespace(rng)
                } else {
                    control(rng)
                }
            }
            _ => one_of(rng, &ascii),
        })
    }

    #[test]
    fn the_email_check_agrees_with_its_reference() {
        random_cases::check(1_000, |rng| {
            let email = any_email(rng);
            assert_eq!(
                email_problem(&email),
                reference_email_problem(&email),
                "{email:?}"
            );
        });
    }

    #[test]
    fn the_email_check_agrees_on_long_addresses() {
        let local_chars: Vec<char> = ascii_range('a', 'z').chain(['é', '.']).collect();
        let label_chars: Vec<char> = ascii_range('a', 'z')
            .chain(ascii_range('0', '9'))
            .chain(['é', '-'])
            .collect();
        let tld_chars: Vec<char> = ascii_range('a', 'z').collect();
        random_cases::check(500, |rng| {
            let local = random_cases::string(rng, 1..=80, |rng| one_of(rng, &local_chars));
            let label = random_cases::string(rng, 1..=200, |rng| one_of(rng, &label_chars));
            let tld = random_cases::string(rng, 2..=4, |rng| one_of(rng, &tld_chars));
            let email = format!("{local}@{label}.{tld}");
            assert_eq!(
                email_problem(&email),
                reference_email_problem(&email),
                "{email:?}"
            );
        });
    }

    fn fields(customer: &NewCustomer, token: TokenKind) -> Vec<String> {
        validate(customer, token)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|p| p.field().to_owned())
            .collect()
    }

    #[test]
    fn token_kind_comes_from_the_prefix() {
        assert_eq!(TokenKind::of("polar_oat_abc"), TokenKind::Organization);
        assert_eq!(TokenKind::of("polar_pat_abc"), TokenKind::Personal);
        assert_eq!(TokenKind::of("polar_cst_abc"), TokenKind::Unknown);
        assert_eq!(TokenKind::of(""), TokenKind::Unknown);
    }

    #[test]
    fn organization_token_forbids_organization_id() {
        let with_org = NewCustomer::individual("a@example.com")
            .organization_id("1dbfc517-0bbf-4301-9ba8-555ca42b9737");
        let problems = validate(&with_org, TokenKind::Organization).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field(), "organization_id");
        assert!(problems[0].message().starts_with("remove organization_id"));
        assert!(validate(&with_org, TokenKind::Personal).is_ok());
        assert!(validate(&with_org, TokenKind::Unknown).is_ok());
    }

    #[test]
    fn personal_token_requires_organization_id() {
        let without = NewCustomer::individual("a@example.com");
        assert_eq!(fields(&without, TokenKind::Personal), ["organization_id"]);
        let message = validate(&without, TokenKind::Personal).unwrap_err()[0]
            .message()
            .to_owned();
        assert!(message.contains("set organization_id"), "{message}");
        assert!(validate(&without, TokenKind::Organization).is_ok());
        assert!(validate(&without, TokenKind::Unknown).is_ok());
    }

    #[test]
    fn token_rules_add_to_the_other_problems() {
        let bad = NewCustomer::individual("nope").organization_id("not-a-uuid");
        assert_eq!(
            fields(&bad, TokenKind::Organization),
            ["email", "organization_id", "organization_id"]
        );
    }

    #[test]
    fn locale_pattern_matches_the_spec() {
        for good in ["en", "EN", "fil", "en-US", "es-419", "pt-br", "una"] {
            assert!(is_locale(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "engl",
            "en_US",
            "en-",
            "en-USA",
            "en-12",
            "en-GB-oxendict",
            "und",
            "UND-US",
            "x-klingon",
            "ü1",
        ] {
            assert!(!is_locale(bad), "{bad}");
        }
    }

    #[test]
    fn email_syntax() {
        for good in ["a@b.co", "first.last+tag@sub.example.com", "ü@bücher.de"] {
            assert_eq!(email_problem(good), None, "{good}");
        }
        for bad in [
            "plain",
            "a@b",
            "@b.com",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            ".a@b.com",
            "a..b@c.com",
            "a@-b.com",
            "a@b..com",
            "a@b.com.",
            "<a>@b.com",
            "a@b_c.com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
