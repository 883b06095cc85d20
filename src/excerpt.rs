//! Text from outside (a server's body or headers, a caller's input) made fit for an error message:
//! short, and free of control characters, so that logging an error cannot forge log lines or
//! colour a terminal.
//!
//! The work is bounded whatever the size of the text: a bounded prefix is taken first, and only
//! that prefix is decoded, searched and cleaned.

use std::borrow::Cow;

use reqwest::header::{self, HeaderMap};

/// Longest excerpt of a response body (or of one message in it) kept in an error.
pub(crate) const EXCERPT_CHARS: usize = 300;

/// Longest excerpt of an HTML page's text kept in an error when it has no `<title>`.
pub(crate) const HTML_EXCERPT_CHARS: usize = 200;

/// How much of a body is looked at for an excerpt: enough for an HTML page's `<head>`.
const SCAN_BYTES: usize = 16 * 1024;

/// A short, clean excerpt of a body: an HTML page's `<title>` (or its text), else the text.
pub(crate) fn excerpt(headers: &HeaderMap, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SCAN_BYTES)]);
    let cut_off = body.len() > SCAN_BYTES;
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || looks_like_html(&text);
    if is_html {
        if let Some(title) = html_title(&text) {
            return clean(title, EXCERPT_CHARS);
        }
        return mark_cut(clean(&strip_tags(&text), HTML_EXCERPT_CHARS), cut_off);
    }
    mark_cut(clean(&text, EXCERPT_CHARS), cut_off)
}

/// At most `max` characters of `text` (plus `…` when shortened): control and bidirectional
/// formatting characters become spaces and runs of whitespace one space. Only a bounded prefix
/// of `text` is read.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let scan = max.saturating_mul(4).max(64);
    let end = text.char_indices().nth(scan).map_or(text.len(), |(i, _)| i);
    let mut cleaned = String::with_capacity(end.min(max * 4));
    for word in text[..end]
        .split(|c: char| c.is_whitespace() || is_unsafe(c))
        .filter(|w| !w.is_empty())
    {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.push_str(word);
    }
    mark_cut(truncate(&cleaned, max), end < text.len())
}

/// `text` with every control or bidirectional formatting character escaped (`\n`, `\u{1b}`),
/// for a caller's own input quoted back in a message: what was wrong stays visible.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Characters that must not reach a log line: controls (C0, DEL, C1) and the bidirectional
/// overrides and isolates, which reorder how the rest of a line is displayed.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with `…` appended when it was cut and does not already end with one.
fn mark_cut(mut text: String, cut: bool) -> String {
    if cut && !text.ends_with('…') {
        text.push('…');
    }
    text
}

fn looks_like_html(text: &str) -> bool {
    let start: String = text.trim_start().chars().take(15).collect();
    let start = start.to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

fn html_title(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let content_start = open + lower[open..].find('>')? + 1;
    let content_end = content_start + lower[content_start..].find("</title")?;
    // ASCII lower-casing keeps byte offsets, so they index `text` at the same char boundaries.
    let title = text.get(content_start..content_end)?.trim();
    (!title.is_empty()).then_some(title)
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// At most `max` characters of `text`, cut on a char boundary, with `…` when shortened.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_char_boundaries() {
        let long = "é".repeat(1000);
        let cut = excerpt(&HeaderMap::new(), long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("", 0), "");
        let title = "<html><head><title>Ünïcödé ✓</title></head></html>";
        assert_eq!(excerpt(&HeaderMap::new(), title.as_bytes()), "Ünïcödé ✓");
    }

    #[test]
    fn control_and_bidi_characters_never_survive() {
        let hostile = "line1\nFAKE LOG LINE level=ERROR\r\n\x1b[31mred\x1b[0m\u{202e}desrever\u{85}\u{7f}\tend";
        for cleaned in [
            clean(hostile, EXCERPT_CHARS),
            excerpt(&HeaderMap::new(), hostile.as_bytes()),
        ] {
            assert!(!cleaned.chars().any(is_unsafe), "{cleaned:?}");
            assert_eq!(
                cleaned,
                "line1 FAKE LOG LINE level=ERROR [31mred [0m desrever end"
            );
        }
        let escaped = escape_controls("a\nb\u{1b}c\u{202e}");
        assert_eq!(escaped, r"a\nb\u{1b}c\u{202e}");
        assert!(matches!(escape_controls("plain ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn work_is_bounded_by_the_excerpt_not_the_body() {
        // 8 MiB of "a ": only a prefix is decoded and cleaned, and the cut is marked.
        let huge = "a ".repeat(4 * 1024 * 1024);
        let cut = excerpt(&HeaderMap::new(), huge.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.starts_with("a a a") && cut.ends_with('…'));
        // A long run of whitespace before the text empties the excerpt rather than scanning on.
        let spaces = format!("{}text", " ".repeat(1_000_000));
        assert_eq!(clean(&spaces, 10), "…");
        assert_eq!(clean("short", 10), "short");
    }
}
