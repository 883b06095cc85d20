//! The change summary `refresh-spec` prints: what changed between the previous and the new
//! `openapi.json`, in the terms a reviewer acts on — operations added or removed and, per schema,
//! fields added or removed, types and formats, required/optional, nullability, enum values and
//! union members. Nested properties are followed (`Customer.address.country`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::select::operations;
use crate::walk::escape;

/// The provenance member of `info`, left out of comparisons (it records, not defines).
const PROVENANCE: &str = "x-polar-client-provenance";

/// Lines describing what changed from `old` to `new` (`["no changes"]` when nothing did).
pub fn summarize(old: Option<&Value>, new: &Value) -> Vec<String> {
    let Some(old) = old else {
        return vec![format!(
            "new spec: {} operations, {} schemas",
            operations(new).len(),
            schema_names(new).len()
        )];
    };
    let mut lines = Vec::new();
    let version = |doc: &Value| {
        doc.pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("(none)")
            .to_string()
    };
    if version(old) != version(new) {
        lines.push(format!("API version {} -> {}", version(old), version(new)));
    }
    let op_label = |doc: &Value| -> BTreeSet<String> {
        operations(doc)
            .into_iter()
            .map(|(path, method, id)| format!("{id} ({} {path})", method.to_uppercase()))
            .collect()
    };
    diff_sets("operation", &op_label(old), &op_label(new), &mut lines);
    let (old_ops, new_ops) = (operations_by_id(old), operations_by_id(new));
    for (id, new_op) in &new_ops {
        if let Some(old_op) = old_ops.get(id) {
            diff_operation(id, (old, old_op), (new, new_op), &mut lines);
        }
    }
    let (old_schemas, new_schemas) = (schema_names(old), schema_names(new));
    diff_sets("schema", &old_schemas, &new_schemas, &mut lines);
    for name in old_schemas.intersection(&new_schemas) {
        let pointer = format!("/components/schemas/{}", escape(name));
        if let (Some(o), Some(n)) = (old.pointer(&pointer), new.pointer(&pointer)) {
            diff_schema(name, o, n, &mut lines);
        }
    }
    lines.extend(fix_up_changes(old, new));
    if lines.is_empty() && without_provenance(old) != without_provenance(new) {
        lines.push(
            "no operation, schema, field, type or enum change; other definitions differ \
             (descriptions, examples, constraints, parameters): see `git diff openapi.json`"
                .to_string(),
        );
    }
    if lines.is_empty() {
        lines.push("no changes".to_string());
    }
    lines
}

/// Each operation object by `operationId`.
fn operations_by_id(doc: &Value) -> BTreeMap<String, &Value> {
    operations(doc)
        .into_iter()
        .filter_map(|(path, method, id)| {
            let pointer = format!("/paths/{}/{method}", escape(&path));
            Some((id, doc.pointer(&pointer)?))
        })
        .collect()
}

/// Parameters added, removed, newly required or changed; request and success bodies changed.
fn diff_operation(id: &str, old: (&Value, &Value), new: (&Value, &Value), out: &mut Vec<String>) {
    let (old_params, new_params) = (parameters(old.0, old.1), parameters(new.0, new.1));
    let (old_names, new_names): (BTreeSet<String>, BTreeSet<String>) = (
        old_params.keys().cloned().collect(),
        new_params.keys().cloned().collect(),
    );
    set_changes(id, "parameter", &old_names, &new_names, out);
    for (name, new_param) in &new_params {
        let Some(old_param) = old_params.get(name) else {
            continue;
        };
        let label = format!("{id} parameter {name}");
        let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
        match (required(old_param), required(new_param)) {
            (false, true) => out.push(format!("{label}: now required")),
            (true, false) => out.push(format!("{label}: now optional")),
            _ => {}
        }
        if let (Some(o), Some(n)) = (old_param.get("schema"), new_param.get("schema")) {
            diff_schema(&label, o, n, out);
        }
    }
    let body = |op: &Value| {
        op.pointer("/requestBody/content/application~1json/schema")
            .cloned()
    };
    if let (Some(o), Some(n)) = (body(old.1), body(new.1)) {
        diff_schema(&format!("{id} request body"), &o, &n, out);
    }
    let responses = |op: &Value| -> BTreeMap<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(code, r)| {
                Some((
                    code.clone(),
                    r.pointer("/content/application~1json/schema")?.clone(),
                ))
            })
            .collect()
    };
    let old_responses = responses(old.1);
    for (code, n) in responses(new.1) {
        if let Some(o) = old_responses.get(&code) {
            diff_schema(&format!("{id} response {code}"), o, &n, out);
        }
    }
}

/// An operation's parameters (references resolved) by `name (in)`.
fn parameters(doc: &Value, op: &Value) -> BTreeMap<String, Value> {
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => doc.pointer(r.strip_prefix('#')?)?,
                None => p,
            };
            let name = p.get("name")?.as_str()?;
            let place = p.get("in")?.as_str()?;
            Some((format!("{name} ({place})"), p.clone()))
        })
        .collect()
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

/// Compares one schema (component or nested field) and its fields, items and map values.
fn diff_schema(label: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    let (old_kind, new_kind) = (kind(old), kind(new));
    if old_kind != new_kind {
        out.push(format!("{label}: type {old_kind} -> {new_kind}"));
    }
    match (is_nullable(old), is_nullable(new)) {
        (false, true) => out.push(format!("{label}: now nullable")),
        (true, false) => out.push(format!("{label}: no longer nullable")),
        _ => {}
    }
    let (old_values, new_values) = (enum_values(old), enum_values(new));
    if !old_values.is_empty() && !new_values.is_empty() {
        set_changes(label, "enum value", &old_values, &new_values, out);
    }
    set_changes(label, "union member", &members(old), &members(new), out);
    diff_fields(label, old, new, out);
    if old_kind == new_kind {
        for (key, suffix) in [("items", "[]"), ("additionalProperties", "{}")] {
            if let (Some(o), Some(n)) = (old.get(key), new.get(key))
                && o.is_object()
                && n.is_object()
            {
                diff_schema(&format!("{label}{suffix}"), o, n, out);
            }
        }
    }
}

/// Longest list of values printed one a line; longer ones are counted on one line.
const MAX_LISTED: usize = 8;

/// `label: + what x` / `label: - what y` lines, or one counting line per side when there are many.
fn set_changes(
    label: &str,
    what: &str,
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
    out: &mut Vec<String>,
) {
    for (sign, values) in [("+", new.difference(old)), ("-", old.difference(new))] {
        let values: Vec<&String> = values.collect();
        if values.len() > MAX_LISTED {
            let first: Vec<&str> = values.iter().take(MAX_LISTED).map(|v| v.as_str()).collect();
            out.push(format!(
                "{label}: {sign} {} {what}s: {}, …",
                values.len(),
                first.join(", ")
            ));
        } else {
            out.extend(
                values
                    .into_iter()
                    .map(|v| format!("{label}: {sign} {what} {v}")),
            );
        }
    }
}

/// Fields added or removed, fields that became required or optional, and changes inside fields.
fn diff_fields(label: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    let (old_fields, new_fields) = (fields(old), fields(new));
    let (old_required, new_required) = (required(old), required(new));
    for (name, schema) in &new_fields {
        if !old_fields.contains_key(name) {
            let how = if new_required.contains(*name) {
                "required"
            } else {
                "optional"
            };
            out.push(format!("{label}: + field {name} ({how}, {})", kind(schema)));
        }
    }
    for name in old_fields.keys().filter(|n| !new_fields.contains_key(*n)) {
        out.push(format!("{label}: - field {name}"));
    }
    for (name, new_schema) in &new_fields {
        let Some(old_schema) = old_fields.get(name) else {
            continue;
        };
        let field = format!("{label}.{name}");
        match (old_required.contains(*name), new_required.contains(*name)) {
            (false, true) => out.push(format!("{field}: now required")),
            (true, false) => out.push(format!("{field}: now optional")),
            _ => {}
        }
        diff_schema(&field, old_schema, new_schema, out);
    }
}

/// A schema's properties in name order.
fn fields(schema: &Value) -> BTreeMap<&String, &Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect()
}

/// A short description of a schema's type: `string (date-time)`, `array of Address`, `Address`
/// (a reference), `union`, `object`, `any`.
fn kind(schema: &Value) -> String {
    if let Some(name) = reference(schema) {
        return name;
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        && let Some(name) = reference(only)
    {
        return name;
    }
    if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
        return "union".to_string();
    }
    let base = match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let items = schema.get("items").map_or("any".to_string(), kind);
            return format!("array of {items}");
        }
        Some(t) => t.to_string(),
        None if schema.get("properties").is_some() => "object".to_string(),
        None if schema.get("enum").is_some() => "enum".to_string(),
        None => "any".to_string(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} ({format})"),
        None => base,
    }
}

fn reference(schema: &Value) -> Option<String> {
    schema
        .get("$ref")?
        .as_str()?
        .rsplit('/')
        .next()
        .map(str::to_string)
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
}

/// Enum values (also those the `unnameable-enum-to-string` fix-up keeps in `x-enum-values`).
fn enum_values(schema: &Value) -> BTreeSet<String> {
    ["enum", "x-enum-values"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .filter(|v| !v.is_null())
        .map(Value::to_string)
        .collect()
}

/// Union members, each described by [`kind`] (`CustomerIndividualCreate`, `string`, …).
fn members(schema: &Value) -> BTreeSet<String> {
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .map(kind)
        .collect()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// Fix-ups that fire in more or fewer places than before.
fn fix_up_changes(old: &Value, new: &Value) -> Vec<String> {
    let counts = |doc: &Value| -> Vec<(String, usize)> {
        doc.pointer(&format!("/info/{PROVENANCE}/fixups"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, places)| (name.clone(), places.as_array().map_or(0, Vec::len)))
            .collect()
    };
    let (old_counts, new_counts) = (counts(old), counts(new));
    let names: BTreeSet<&String> = old_counts
        .iter()
        .chain(&new_counts)
        .map(|(n, _)| n)
        .collect();
    let count_of = |list: &[(String, usize)], name: &str| {
        list.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c)
    };
    names
        .into_iter()
        .filter_map(|name| {
            let (before, after) = (count_of(&old_counts, name), count_of(&new_counts, name));
            (before != after).then(|| format!("fix-up {name}: {before} -> {after} place(s)"))
        })
        .collect()
}

fn without_provenance(doc: &Value) -> Value {
    let mut copy = doc.clone();
    if let Some(info) = copy.get_mut("info").and_then(Value::as_object_mut) {
        info.remove(PROVENANCE);
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schemas: Value) -> Value {
        json!({"paths": {}, "components": {"schemas": schemas}})
    }

    #[test]
    fn added_and_removed_operations_schemas_and_fields() {
        let old = json!({"paths": {"/a": {"get": {"operationId": "a:get"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {}, "y": {}}}, "Gone": {}}}});
        let new = json!({"paths": {"/b": {"post": {"operationId": "b:create"}}},
                         "components": {"schemas": {"A": {"properties": {"x": {}, "z": {"type": "string"}},
                                                           "required": ["z"]}, "New": {}}}});
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "+ operation b:create (POST /b)",
                "- operation a:get (GET /a)",
                "+ schema New",
                "- schema Gone",
                "A: + field z (required, string)",
                "A: - field y",
            ]
        );
        assert_eq!(summarize(Some(&new), &new), ["no changes"]);
    }

    #[test]
    fn version_parameters_and_bodies_of_kept_operations() {
        let doc = |version: &str, params: Value, body: &str| {
            json!({"info": {"version": version}, "paths": {"/a": {"post": {
                "operationId": "a:create", "parameters": params,
                "requestBody": {"content": {"application/json": {"schema": {"$ref": body}}}},
                "responses": {"201": {"content": {"application/json": {"schema": {"type": "object"}}}}}
            }}}, "components": {"schemas": {}, "parameters": {
                "Page": {"name": "page", "in": "query", "schema": {"type": "integer"}}}}})
        };
        let old = doc(
            "2026-04",
            json!([{"name": "email", "in": "query", "schema": {"type": "string"}},
                   {"$ref": "#/components/parameters/Page"}]),
            "#/components/schemas/In",
        );
        let new = doc(
            "2026-10",
            json!([{"name": "email", "in": "query", "required": true,
                    "schema": {"type": "string", "format": "email"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer"}}]),
            "#/components/schemas/In2",
        );
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "API version 2026-04 -> 2026-10",
                "a:create: + parameter limit (query)",
                "a:create: - parameter page (query)",
                "a:create parameter email (query): now required",
                "a:create parameter email (query): type string -> string (email)",
                "a:create request body: type In -> In2",
            ]
        );
    }

    #[test]
    fn a_changed_enum_and_a_newly_required_field_are_named() {
        let old = spec(
            json!({"C": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "email": {"type": "string"},
            "type": {"type": "string", "enum": ["individual", "team"]}}}}),
        );
        let new = spec(
            json!({"C": {"type": "object", "required": ["id", "email"], "properties": {
            "id": {"type": "string"},
            "email": {"type": "string"},
            "type": {"type": "string", "enum": ["individual", "company"]}}}}),
        );
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "C.email: now required",
                "C.type: + enum value \"company\"",
                "C.type: - enum value \"team\"",
            ]
        );
    }

    #[test]
    fn a_request_union_flattened_into_one_object_shows_every_change() {
        let old = spec(json!({
            "Create": {"oneOf": [{"$ref": "#/components/schemas/Individual"},
                                 {"$ref": "#/components/schemas/Team"}]},
            "Individual": {"type": "object"}, "Team": {"type": "object"}}));
        let new = spec(json!({
            "Create": {"type": "object", "required": ["email"], "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "nullable": true}}},
            "Individual": {"type": "object"}, "Team": {"type": "object"}}));
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "Create: type union -> object",
                "Create: - union member Individual",
                "Create: - union member Team",
                "Create: + field email (required, string (email))",
                "Create: + field name (optional, string)",
            ]
        );
    }

    #[test]
    fn type_format_nullability_and_nested_fields() {
        let old = spec(json!({"A": {"properties": {
            "at": {"type": "string"},
            "n": {"type": "integer", "nullable": true},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a"]}},
            "address": {"allOf": [{"$ref": "#/components/schemas/Address"}]}}}}));
        let new = spec(json!({"A": {"properties": {
            "at": {"type": "string", "format": "date-time"},
            "n": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            "address": {"allOf": [{"$ref": "#/components/schemas/AddressInput"}], "nullable": true}}}}));
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "A.address: type Address -> AddressInput",
                "A.address: now nullable",
                "A.at: type string -> string (date-time)",
                "A.n: no longer nullable",
                "A.tags[]: + enum value \"b\"",
            ]
        );
    }

    #[test]
    fn long_value_lists_are_counted_and_a_type_change_lists_no_values() {
        let values = |n: usize| (0..n).map(|i| format!("v{i:02}")).collect::<Vec<_>>();
        let old = spec(json!({"A": {"properties": {
            "e": {"type": "string", "enum": values(3)},
            "c": {"type": "string", "enum": values(20)}}}}));
        let new = spec(json!({"A": {"properties": {
            "e": {"type": "string", "enum": values(12)},
            "c": {"$ref": "#/components/schemas/Country"}}}}));
        assert_eq!(
            summarize(Some(&old), &new),
            [
                "A.c: type string -> Country",
                "A.e: + 9 enum values: \"v03\", \"v04\", \"v05\", \"v06\", \"v07\", \"v08\", \"v09\", \"v10\", …",
            ]
        );
    }

    #[test]
    fn fix_up_counts_and_other_edits_are_reported() {
        let with = |n: usize, description: &str| {
            json!({"info": {PROVENANCE: {"fixups": {"drop-patterns": vec![json!("/x"); n]}}},
                   "paths": {}, "components": {"schemas": {"A": {"description": description}}}})
        };
        assert_eq!(
            summarize(Some(&with(1, "a")), &with(2, "a")),
            ["fix-up drop-patterns: 1 -> 2 place(s)"]
        );
        let lines = summarize(Some(&with(1, "a")), &with(1, "b"));
        assert!(lines[0].starts_with("no operation, schema"), "{lines:?}");
    }
}
