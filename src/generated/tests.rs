//! Tests of the generated code: no generated name is one of typify's placeholders. (Request bodies
//! and responses are the crate's own types, replaced in build.rs, and are tested there.)

use serde_json::{Value, json};

/// Whether `word` carries typify's `X` for a character it could not use (`-created_at` →
/// `XcreatedXat`, `-email` → `Xemail`): an `X` right after a lowercase letter, or a leading `X`
/// before a lowercase letter or digit.
fn typify_escape(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    let after_lowercase = chars
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1] == 'X');
    let leading = chars.first() == Some(&'X')
        && chars
            .get(1)
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    after_lowercase || leading
}

#[test]
fn the_placeholder_scan_recognises_typify_escapes() {
    for escaped in ["XcreatedXat", "CreatedXat", "Xemail", "X2xx"] {
        assert!(typify_escape(escaped), "{escaped}");
    }
    for clean in [
        "CustomerIndividualCreate",
        "CountryAlpha2",
        "TaxIdFormat",
        "XML",
        "X",
    ] {
        assert!(!typify_escape(clean), "{clean}");
    }
}

/// The generated source, as build.rs wrote it.
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/polar_generated.rs"));

/// The words (identifiers, keywords, numbers) of Rust source, string literals left out: the doc
/// attributes' prose is not code, and its escapes (`\nXml`) would read as typify escapes.
fn code_words(source: &str) -> Vec<&str> {
    let (mut words, mut start, mut in_string, mut escaped) = (Vec::new(), None, false, false);
    for (at, c) in source.char_indices() {
        if in_string {
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
        } else if c.is_alphanumeric() || c == '_' {
            start.get_or_insert(at);
        } else {
            words.extend(start.take().map(|from| &source[from..at]));
            in_string = c == '"';
        }
    }
    words.extend(start.map(|from| &source[from..]));
    words
}

#[test]
fn code_words_skip_string_literals() {
    assert_eq!(
        code_words(r#"#[doc = "a \"Xb\" \\"] pub struct Name_1{x:u8}"#),
        ["doc", "pub", "struct", "Name_1", "x", "u8"]
    );
}

#[test]
fn no_generated_name_is_a_typify_placeholder() {
    let words = code_words(GENERATED);
    let names: Vec<&str> = words
        .windows(2)
        .filter(|pair| ["struct", "enum"].contains(&pair[0]))
        .map(|pair| pair[1])
        .collect();
    assert!(
        names.contains(&"ListResourceCustomer"),
        "the scan sees the generated types"
    );
    let placeholder = |word: &str| {
        ["Variant", "Subtype"].iter().any(|p| {
            word.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        }) || typify_escape(word)
    };
    for &word in &words {
        assert!(
            !placeholder(word),
            "typify placeholder name `{word}` in the generated code"
        );
    }
    for shared in ["Type", "Name", "Metadata", "Error"] {
        assert!(
            !names.contains(&shared),
            "a title-derived shared name `{shared}` was generated"
        );
    }
}
