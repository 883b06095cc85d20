//! What the operations of an OpenAPI document reach through `$ref`s. Shared by `build.rs`, which
//! drops the component schemas nothing reaches before progenitor sees the spec, and by `cargo xtask`
//! (which includes this file), which cuts a spec down to its listed operations.

use std::collections::BTreeSet;

use serde_json::Value;

/// Escapes one JSON-pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The `$ref` naming the component schema `name`.
pub fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{}", escape(name))
}

/// Every `$ref` reachable from `start`, following references through `doc`. A reference in
/// `leaves` is reached but not followed (what its target refers to is not reached through it).
pub fn reachable(doc: &Value, start: &Value, leaves: &BTreeSet<String>) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut queue = Vec::new();
    collect_refs(start, &mut queue);
    while let Some(reference) = queue.pop() {
        if !reached.insert(reference.clone()) || leaves.contains(&reference) {
            continue;
        }
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
        {
            collect_refs(target, &mut queue);
        }
    }
    reached
}

/// Pushes every `$ref` string found anywhere under `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// Removes every component schema the operations (`paths`: parameters, request bodies, responses)
/// do not reach, where a schema named in `replaced` is a leaf: it stays when reached, but the
/// schemas only it refers to go. Returns how many schemas were removed.
///
/// # Errors
/// When a name in `replaced` is not a component schema of `doc` (a stale replacement would
/// otherwise silently stop replacing).
pub fn keep_reachable_schemas(doc: &mut Value, replaced: &[&str]) -> Result<usize, String> {
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(stale) = replaced.iter().find(|r| !names.iter().any(|n| n == *r)) {
        return Err(format!(
            "`{stale}` is replaced but is not a component schema of the spec"
        ));
    }
    let leaves = replaced.iter().map(|name| schema_ref(name)).collect();
    let reached = reachable(doc, doc.get("paths").unwrap_or(&Value::Null), &leaves);
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(0);
    };
    schemas.retain(|name, _| reached.contains(&schema_ref(name)));
    Ok(names.len() - schemas.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One operation: a parameter, a replaced request body and a response, each reaching more
    /// schemas; two schemas nothing reaches.
    fn spec() -> Value {
        let schema = |name: &str| json!({"$ref": schema_ref(name)});
        json!({
            "paths": {"/a/{id}": {"post": {
                "parameters": [{"name": "id", "in": "path", "schema": schema("Id")}],
                "requestBody": {"content": {"application/json": {"schema": schema("Body")}}},
                "responses": {"200": {"content": {"application/json": {"schema": schema("Out")}}}}
            }}},
            "components": {"schemas": {
                "Id": {"type": "string"},
                "Body": {"properties": {"a": schema("OnlyInBody"), "b": schema("Shared")}},
                "OnlyInBody": {"properties": {"c": schema("Country")}},
                "Country": {"enum": ["AD", "AE"]},
                "Out": {"oneOf": [schema("Shared"), schema("Loop")]},
                "Shared": {"type": "string"},
                "Loop": {"properties": {"next": schema("Loop")}},
                "Unused": {"properties": {"out": schema("Out")}},
                "OnlyInUnused": {"type": "integer"}
            }}
        })
    }

    fn schema_names(doc: &Value) -> Vec<&str> {
        doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn a_replaced_schema_is_kept_but_what_only_it_refers_to_goes() {
        let mut doc = spec();
        assert_eq!(keep_reachable_schemas(&mut doc, &["Body"]), Ok(4));
        let mut kept = schema_names(&doc);
        kept.sort_unstable();
        assert_eq!(kept, ["Body", "Id", "Loop", "Out", "Shared"]);
    }

    #[test]
    fn without_replacements_every_reachable_schema_stays() {
        let mut doc = spec();
        assert_eq!(keep_reachable_schemas(&mut doc, &[]), Ok(2));
        assert!(!schema_names(&doc).contains(&"Unused"));
        assert!(schema_names(&doc).contains(&"Country"));
    }

    #[test]
    fn a_replacement_that_names_no_schema_is_an_error() {
        let mut doc = spec();
        let err = keep_reachable_schemas(&mut doc, &["Body", "Gone"]).unwrap_err();
        assert!(err.contains("`Gone`"), "{err}");
        assert_eq!(doc, spec(), "nothing is removed on error");
    }

    #[test]
    fn references_are_followed_through_other_components_and_escaped_names() {
        let doc = json!({
            "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/p"}]}}},
            "components": {
                "parameters": {"p": {"schema": {"$ref": schema_ref("a/b~c")}}},
                "schemas": {"a/b~c": {"type": "string"}}
            }
        });
        let reached = reachable(&doc, &doc["paths"], &BTreeSet::new());
        assert_eq!(
            reached.into_iter().collect::<Vec<_>>(),
            ["#/components/parameters/p", "#/components/schemas/a~1b~0c"]
        );
    }
}
