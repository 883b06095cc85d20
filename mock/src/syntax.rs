//! Offline syntax checks the server applies to strings: email addresses and BCP 47 locales.

/// Checks an email address's syntax (no DNS), returning the reason it is invalid, worded like
/// the `email-validator` messages Polar's server relays.
pub(crate) fn email_problem(email: &str) -> Option<&'static str> {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Some("The email address is not valid. It must have exactly one @-sign.");
    };
    if local.is_empty() {
        return Some("There must be something before the @-sign.");
    }
    if domain.is_empty() {
        return Some("There must be something after the @-sign.");
    }
    if local.chars().count() > 64 {
        return Some("The email address is too long before the @-sign.");
    }
    let local_char_ok = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if !local.chars().all(local_char_ok) {
        return Some("The email address contains invalid characters before the @-sign.");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("The email address contains a period in an invalid place before the @-sign.");
    }
    if !domain.contains('.') {
        return Some("The part after the @-sign is not valid. It should have a period.");
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    let top_level_ok = domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    if !labels_ok || !top_level_ok {
        return Some("The part after the @-sign is not valid.");
    }
    None
}

/// The spec's locale pattern, quoted in pattern-mismatch errors.
pub(crate) const LOCALE_PATTERN: &str = "^[a-zA-Z]{2,3}(-[a-zA-Z]{2}|-[0-9]{3})?$";

/// Splits a locale tag at its first dash: `"en-US"` → `("en", Some("US"))`, `"en"` → `("en", None)`.
fn language_and_region(locale: &str) -> (&str, Option<&str>) {
    match locale.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (locale, None),
    }
}

/// Whether `locale` matches [`LOCALE_PATTERN`].
pub(crate) fn matches_locale_pattern(locale: &str) -> bool {
    let (language, region) = language_and_region(locale);
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|region| {
        (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic()))
            || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit()))
    });
    language_ok && region_ok
}

/// The normalised form of a pattern-matching locale (`"EN-us"` → `"en-US"`), or `None` for a tag
/// the server refuses (`und`).
pub(crate) fn normalise_locale(locale: &str) -> Option<String> {
    let (language, region) = language_and_region(locale);
    let language = language.to_ascii_lowercase();
    if language == "und" {
        return None;
    }
    Some(match region {
        Some(region) => format!("{language}-{}", region.to_ascii_uppercase()),
        None => language,
    })
}
