//! Decoding URLs the way the server reads them: `%XX` escapes in path segments,
//! `application/x-www-form-urlencoded` query strings, and query booleans.

use super::reply::error_item;
use serde_json::{Value, json};

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = segment.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// The decoded `name=value` pairs of a query string, in order (`+` is a space, a pair without
/// `=` has an empty value, empty pairs are skipped); `None` when something cannot be decoded.
pub(crate) fn pairs(query: Option<&str>) -> Option<Vec<(String, String)>> {
    let decode = |part: &str| percent_decode(&part.replace('+', " "));
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// Percent-encodes `text` for a query value (everything but unreserved characters).
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A query boolean as pydantic reads it (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`,
/// `t`/`f`, `y`/`n`, any case).
///
/// # Errors
/// The `bool_parsing` error item at `["query", name]`.
pub(crate) fn boolean(name: &str, value: &str) -> Result<bool, Value> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
        _ => Err(error_item(
            "bool_parsing",
            vec![json!("query"), json!(name)],
            "Input should be a valid boolean, unable to interpret input",
            json!(value),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_plus_and_escapes_and_keep_order() {
        let pairs = pairs(Some("email=a%2Bb%40x.test&flag&page=2&email=J+Doe&&")).unwrap();
        let expected = [
            ("email", "a+b@x.test"),
            ("flag", ""),
            ("page", "2"),
            ("email", "J Doe"),
        ];
        assert_eq!(
            pairs,
            expected.map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
        assert_eq!(super::pairs(None), Some(Vec::new()));
        assert_eq!(super::pairs(Some("email=%zz")), None);
        assert_eq!(super::pairs(Some("email=%ff")), None);
    }
}
