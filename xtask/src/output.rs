//! Deterministic writing of the converted spec and the human summary of what changed.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::select::operations;

/// Pretty JSON with every object's keys sorted and a trailing newline: stable across runs.
pub fn canonical_string(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(doc)).unwrap_or_default();
    text.push('\n');
    text
}

/// A copy of `value` whose objects have their keys in sorted order.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Lines describing operations, schemas and fields added or removed from `old` to `new`.
pub fn summarize(old: Option<&Value>, new: &Value) -> Vec<String> {
    let Some(old) = old else {
        return vec![format!(
            "new spec: {} operations, {} schemas",
            operations(new).len(),
            schema_names(new).len()
        )];
    };
    let mut lines = Vec::new();
    let op_label = |doc: &Value| -> BTreeSet<String> {
        operations(doc)
            .into_iter()
            .map(|(path, method, id)| format!("{id} ({} {path})", method.to_uppercase()))
            .collect()
    };
    diff_sets("operation", &op_label(old), &op_label(new), &mut lines);
    let (old_schemas, new_schemas) = (schema_names(old), schema_names(new));
    diff_sets("schema", &old_schemas, &new_schemas, &mut lines);
    for name in old_schemas.intersection(&new_schemas) {
        let fields = |doc: &Value| -> BTreeSet<String> {
            let pointer = format!(
                "/components/schemas/{}/properties",
                crate::walk::escape(name)
            );
            doc.pointer(&pointer)
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        };
        let mut changes = Vec::new();
        diff_sets("field", &fields(old), &fields(new), &mut changes);
        lines.extend(changes.into_iter().map(|c| format!("{name}: {c}")));
    }
    if lines.is_empty() && old != new {
        lines.push(
            "no operation/schema/field added or removed; definitions changed in place".to_string(),
        );
    }
    if lines.is_empty() {
        lines.push("no changes".to_string());
    }
    lines
}

fn schema_names(doc: &Value) -> BTreeSet<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default()
}

fn diff_sets(kind: &str, old: &BTreeSet<String>, new: &BTreeSet<String>, out: &mut Vec<String>) {
    out.extend(new.difference(old).map(|x| format!("+ {kind} {x}")));
    out.extend(old.difference(new).map(|x| format!("- {kind} {x}")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_output_sorts_keys_and_ends_with_newline() {
        let text = canonical_string(&json!({"b": 1, "a": {"d": [2, {"z": 0, "y": 1}], "c": null}}));
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": null,\n    \"d\": [\n      2,\n      {\n        \"y\": 1,\n        \"z\": 0\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn summary_lists_added_and_removed_things() {
        let old = json!({"paths": {"/a": {"get": {"operationId": "a:get"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {}, "y": {}}}, "Gone": {}}}});
        let new = json!({"paths": {"/b": {"post": {"operationId": "b:create"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {}, "z": {}}}, "New": {}}}});
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "+ operation b:create (POST /b)",
                "- operation a:get (GET /a)",
                "+ schema New",
                "- schema Gone",
                "A: + field z",
                "A: - field y",
            ]
        );
        assert_eq!(summarize(Some(&new), &new), ["no changes"]);
    }
}
