//! Checks that a converted document is the OpenAPI 3.0.3 that `build.rs` can read: no construct
//! of OpenAPI 3.1 / JSON Schema 2020-12 left over, nothing the generated code could not compile
//! with, and a successful parse with the same `openapiv3` crate `build.rs` uses. Every problem is
//! reported with its JSON pointer and the construct, so a new upstream spec fails in `cargo xtask`
//! rather than in a build script's panic.

use serde_json::{Map, Value};

use crate::walk::{escape, for_each_schema};

/// Schema keywords that OpenAPI 3.0.3 does not have (3.1 / JSON Schema 2020-12 only).
const KEYWORDS_3_1: &[&str] = &[
    "const",
    "prefixItems",
    "examples",
    "$defs",
    "$schema",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "contentMediaType",
    "contentEncoding",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
];

/// Top-level members that only OpenAPI 3.1 has.
const MEMBERS_3_1: &[&str] = &[
    "/webhooks",
    "/jsonSchemaDialect",
    "/info/summary",
    "/info/license/identifier",
    "/components/pathItems",
];

/// Checks `doc`; `Err` lists every problem found (`pointer: construct`), at most `MAX` of them.
pub fn validate(doc: &Value) -> Result<(), String> {
    let mut problems = scan(doc);
    if problems.is_empty()
        && let Err(e) = parse(doc)
    {
        problems.push(e);
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(MAX);
    let mut report = vec![format!(
        "the converted spec is not OpenAPI 3.0.3 that build.rs can read ({} problem(s)):",
        problems.len()
    )];
    report.extend(problems.into_iter().take(shown).map(|p| format!("  {p}")));
    report.push(
        "Teach xtask/src/downconvert.rs (3.1 constructs) or xtask/src/fixups.rs (generator \
         limits) to rewrite it; see xtask/README.md."
            .into(),
    );
    Err(report.join("\n"))
}

/// Problems listed at most.
const MAX: usize = 30;

/// Every leftover 3.1 construct (and `pattern`, which the generated code cannot compile), as
/// `pointer: construct` lines.
pub fn scan(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match doc.get("openapi").and_then(Value::as_str) {
        Some("3.0.3") => {}
        other => problems.push(format!(
            "/openapi: version {} (must be \"3.0.3\")",
            other.map_or("missing".to_string(), |v| format!("{v:?}"))
        )),
    }
    for member in MEMBERS_3_1 {
        if doc.pointer(member).is_some() {
            problems.push(format!("{member}: OpenAPI 3.1 member"));
        }
    }
    let mut copy = doc.clone();
    for_each_schema(&mut copy, &mut |path, _, schema| {
        problems.extend(
            schema_problems(schema)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    });
    problems
}

fn schema_problems(schema: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) if t == "null" => out.push("`type: \"null\"` (3.1)".to_string()),
        None | Some(Value::String(_)) => {}
        Some(other) => out.push(format!("`type` is {other} (3.1 type array)")),
    }
    for keyword in KEYWORDS_3_1 {
        if schema.contains_key(*keyword) {
            out.push(format!("`{keyword}` (3.1 keyword)"));
        }
    }
    for bound in ["exclusiveMinimum", "exclusiveMaximum"] {
        if schema.get(bound).is_some_and(Value::is_number) {
            out.push(format!("numeric `{bound}` (3.1; 3.0 takes a boolean)"));
        }
    }
    if schema.contains_key("pattern") {
        out.push(
            "`pattern` (typify would validate it with the `regress` crate, which the client \
             does not depend on)"
                .to_string(),
        );
    }
    out
}

/// Parses `doc` with `openapiv3`, as `build.rs` does. serde reports an error inside an untagged
/// or flattened value (most of an OpenAPI document) at the end of that whole value, so the failing
/// part is then narrowed down: each path item, operation, parameter, body, response and schema is
/// parsed on its own, and the deepest one that fails is named.
fn parse(doc: &Value) -> Result<(), String> {
    let text = crate::output::canonical_string(doc);
    let Err(e) = serde_json::from_str::<openapiv3::OpenAPI>(&text) else {
        return Ok(());
    };
    let (pointer, message) =
        deepest_failure(doc).unwrap_or_else(|| (pointer_at_line(&text, e.line()), e.to_string()));
    Err(format!("{pointer}: openapiv3 cannot read it: {message}"))
}

/// The deepest part of `doc` that does not parse as the `openapiv3` type it must be.
fn deepest_failure(doc: &Value) -> Option<(String, String)> {
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut probe = |pointer: String, result: Result<(), serde_json::Error>| {
        if let Err(e) = result {
            failures.push((pointer, e.to_string()));
        }
    };
    for (route, item) in members(doc, "/paths") {
        let at = format!("/paths/{}", escape(route));
        probe(at.clone(), parses::<openapiv3::PathItem>(item));
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !crate::select::METHODS.contains(&method.as_str()) {
                continue;
            }
            let at = format!("{at}/{method}");
            probe(at.clone(), parses::<openapiv3::Operation>(operation));
            for (i, parameter) in operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                probe(
                    format!("{at}/parameters/{i}"),
                    parses::<openapiv3::ReferenceOr<openapiv3::Parameter>>(parameter),
                );
            }
            if let Some(body) = operation.get("requestBody") {
                probe(
                    format!("{at}/requestBody"),
                    parses::<openapiv3::ReferenceOr<openapiv3::RequestBody>>(body),
                );
            }
            for (code, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                probe(
                    format!("{at}/responses/{}", escape(code)),
                    parses::<openapiv3::ReferenceOr<openapiv3::Response>>(response),
                );
            }
        }
    }
    let mut copy = doc.clone();
    for_each_schema(&mut copy, &mut |path, _, schema| {
        let schema = Value::Object(schema.clone());
        probe(
            path.to_string(),
            parses::<openapiv3::ReferenceOr<openapiv3::Schema>>(&schema),
        );
    });
    failures
        .into_iter()
        .max_by_key(|(pointer, _)| pointer.matches('/').count())
}

fn members<'a>(doc: &'a Value, pointer: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    doc.pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn parses<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(value).map(drop)
}

/// The JSON pointer of the member or element on 1-based `line` of pretty-printed JSON (one
/// member or element a line, as `serde_json::to_string_pretty` writes); a closing bracket names
/// the value it closes.
pub fn pointer_at_line(text: &str, line: usize) -> String {
    // One frame per open container: its pointer, whether it is an array, its next index.
    let mut frames: Vec<(String, bool, usize)> = Vec::new();
    for (number, raw) in text.lines().enumerate().take(line) {
        let trimmed = raw.trim();
        let at_target = number + 1 == line;
        if trimmed.starts_with('}') || trimmed.starts_with(']') {
            let closed = frames.pop().map(|(pointer, _, _)| pointer);
            if at_target {
                return display(closed.unwrap_or_default());
            }
            continue;
        }
        let (pointer, value) = match frames.last_mut() {
            None => (String::new(), trimmed),
            Some((parent, true, next)) => {
                *next += 1;
                (format!("{parent}/{}", *next - 1), trimmed)
            }
            Some((parent, false, _)) => {
                let mut keys = serde_json::Deserializer::from_str(trimmed).into_iter::<String>();
                let key = keys.next().and_then(Result::ok).unwrap_or_default();
                let rest = trimmed[keys.byte_offset()..].trim_start_matches([':', ' ']);
                (format!("{parent}/{}", escape(&key)), rest)
            }
        };
        if at_target {
            return display(pointer);
        }
        match value.trim_end_matches(',') {
            "{" => frames.push((pointer, false, 0)),
            "[" => frames.push((pointer, true, 0)),
            _ => {}
        }
    }
    display(String::new())
}

fn display(pointer: String) -> String {
    if pointer.is_empty() {
        "/".to_string()
    } else {
        pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
               "components": {"schemas": schemas}})
    }

    #[test]
    fn a_clean_document_passes() {
        validate(&doc(json!({"A": {"type": "string", "nullable": true}}))).unwrap();
    }

    #[test]
    fn leftover_3_1_constructs_are_named_with_their_path() {
        let err = validate(&doc(json!({
            "A": {"properties": {"n": {"type": ["string", "null"]}}},
            "B": {"type": "string", "const": "b", "pattern": "^b$"},
            "C": {"type": "integer", "exclusiveMinimum": 0},
            "D": {"type": "array", "prefixItems": [{"type": "string"}]},
            "E": {"type": "string", "examples": ["e"]}
        })))
        .unwrap_err();
        for expected in [
            "/components/schemas/A/properties/n: `type` is [\"string\",\"null\"] (3.1 type array)",
            "/components/schemas/B: `const` (3.1 keyword)",
            "/components/schemas/B: `pattern`",
            "/components/schemas/C: numeric `exclusiveMinimum`",
            "/components/schemas/D: `prefixItems` (3.1 keyword)",
            "/components/schemas/E: `examples` (3.1 keyword)",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in\n{err}");
        }
    }

    #[test]
    fn version_and_3_1_members_are_reported() {
        let mut d = doc(json!({}));
        d["openapi"] = json!("3.1.0");
        d["webhooks"] = json!({});
        let err = validate(&d).unwrap_err();
        assert!(err.contains("/openapi: version \"3.1.0\""), "{err}");
        assert!(err.contains("/webhooks: OpenAPI 3.1 member"), "{err}");
    }

    #[test]
    fn what_openapiv3_rejects_is_reported_with_its_path() {
        let mut d = doc(json!({"A": {"type": "string"}}));
        d["paths"] = json!({"/a": {"get": {"responses": {"200": {"description": 5}}}}});
        let err = validate(&d).unwrap_err();
        assert!(
            err.contains(
                "/paths/~1a/get/responses/200: openapiv3 cannot read it: invalid type: integer `5`"
            ),
            "{err}"
        );
    }

    #[test]
    fn lines_of_pretty_json_map_to_pointers() {
        let text = crate::output::canonical_string(
            &json!({"a": {"b/c": [1, {"d": true}], "e": {}}, "f": "x"}),
        );
        let pointers: Vec<String> = (1..=text.lines().count())
            .map(|line| pointer_at_line(&text, line))
            .collect();
        assert_eq!(
            pointers,
            [
                "/",
                "/a",
                "/a/b~1c",
                "/a/b~1c/0",
                "/a/b~1c/1",
                "/a/b~1c/1/d",
                "/a/b~1c/1",
                "/a/b~1c",
                "/a/e",
                "/a",
                "/f",
                "/"
            ]
        );
    }
}
