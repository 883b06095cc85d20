//! Explaining how a committed `openapi.json` differs from a fresh conversion.

use serde_json::Value;

/// JSON pointers where `expected` and `actual` differ (at most `max`).
pub fn differing_paths(expected: &Value, actual: &Value, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    walk("", expected, actual, max, &mut out);
    out
}

fn walk(path: &str, expected: &Value, actual: &Value, max: usize, out: &mut Vec<String>) {
    if out.len() >= max || expected == actual {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let child = format!("{path}/{}", crate::walk::escape(key));
                match (e.get(key), a.get(key)) {
                    (Some(ev), Some(av)) => walk(&child, ev, av, max, out),
                    (Some(_), None) => push(out, max, format!("{child}: missing in openapi.json")),
                    (None, _) => push(out, max, format!("{child}: not produced by the conversion")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                walk(&format!("{path}/{i}"), ev, av, max, out);
            }
        }
        _ => push(
            out,
            max,
            format!(
                "{}: expected {} but found {}",
                display(path),
                short(expected),
                short(actual)
            ),
        ),
    }
}

fn push(out: &mut Vec<String>, max: usize, line: String) {
    if out.len() < max {
        out.push(line);
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() {
        "(document root)"
    } else {
        path
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The differing region of two texts, after their common leading and trailing lines, as
/// `-`/`+` lines with 1-based line numbers (at most `max` of each).
pub fn differing_lines(expected: &str, actual: &str, max: usize) -> Vec<String> {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let head = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let tail = e[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = Vec::new();
    out.extend(
        e[head..e.len() - tail]
            .iter()
            .take(max)
            .enumerate()
            .map(|(i, l)| format!("-{:>6}: {l}", head + i + 1)),
    );
    out.extend(
        a[head..a.len() - tail]
            .iter()
            .take(max)
            .enumerate()
            .map(|(i, l)| format!("+{:>6}: {l}", head + i + 1)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_name_changed_added_and_missing_members() {
        let expected = json!({"a": {"b": 1, "c": [1, 2]}, "gone": true});
        let actual = json!({"a": {"b": 2, "c": [1, 2]}, "extra": false});
        assert_eq!(
            differing_paths(&expected, &actual, 10),
            [
                "/a/b: expected 1 but found 2",
                "/gone: missing in openapi.json",
                "/extra: not produced by the conversion"
            ]
        );
        assert!(differing_paths(&expected, &expected, 10).is_empty());
    }

    #[test]
    fn lines_show_only_the_changed_region() {
        let expected = "a\nb\nc\nd\n";
        let actual = "a\nB\nc\nd\n";
        assert_eq!(
            differing_lines(expected, actual, 5),
            ["-     2: b", "+     2: B"]
        );
        assert_eq!(differing_lines("a\n", "a\nz\n", 5), ["+     2: z"]);
    }
}
