//! Cuts a spec down to the listed operations and the transitive closure of the components they use.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::reach::{escape, reachable};

/// HTTP methods that may appear as keys of a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Parses the operation list file: one `operationId` a line; `#` comments and blank lines ignored.
pub fn parse_operation_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every `operationId` in `doc`, in document order.
pub fn all_operation_ids(doc: &Value) -> Vec<String> {
    operations(doc).into_iter().map(|(_, _, id)| id).collect()
}

/// `(path, method, operationId)` of every operation in `doc`.
pub fn operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (route, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str)
                && METHODS.contains(&method.as_str())
            {
                out.push((route.clone(), method.clone(), id.to_string()));
            }
        }
    }
    out
}

/// Fails, naming `xtask/operations.txt`, when an operation listed there is not in `doc`.
pub fn check_listed(doc: &Value, wanted: &[String]) -> Result<(), String> {
    let present: BTreeSet<String> = all_operation_ids(doc).into_iter().collect();
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|w| !present.contains(*w))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "xtask/operations.txt lists operations the upstream spec does not have: {}\n\
         Polar renamed or removed them: find the new operationId in the upstream spec and \
         update xtask/operations.txt (and the hand-written code that calls them).",
        missing.join(", ")
    ))
}

/// Keeps only the operations in `wanted` (error if one is missing), the tags they use, and the
/// components they reach.
pub fn select(doc: &mut Value, wanted: &[String]) -> Result<(), String> {
    check_listed(doc, wanted)?;
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|key, op| !METHODS.contains(&key.as_str()) || is_wanted(op, wanted));
            }
        }
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|i| i.keys().any(|k| METHODS.contains(&k.as_str())))
        });
    }
    keep_used_tags(doc);
    prune_components(doc);
    Ok(())
}

fn is_wanted(op: &Value, wanted: &[String]) -> bool {
    op.get("operationId")
        .and_then(Value::as_str)
        .is_some_and(|id| wanted.iter().any(|w| w == id))
}

fn keep_used_tags(doc: &mut Value) {
    let mut used = BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
    {
        for op in item.as_object().into_iter().flat_map(Map::values) {
            for tag in op
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                used.extend(tag.as_str().map(str::to_string));
            }
        }
    }
    if let Some(tags) = doc.get_mut("tags").and_then(Value::as_array_mut) {
        tags.retain(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| used.contains(n))
        });
    }
}

/// Removes every component (other than security schemes) not reachable from `paths`.
pub fn prune_components(doc: &mut Value) {
    let paths = doc.get("paths").unwrap_or(&Value::Null);
    let reached = reachable(doc, paths, &BTreeSet::new());
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    for (section, entries) in components.iter_mut() {
        if section == "securitySchemes" {
            continue;
        }
        if let Some(entries) = entries.as_object_mut() {
            entries.retain(|name, _| {
                reached.contains(&format!("#/components/{section}/{}", escape(name)))
            });
        }
    }
    components.retain(|_, entries| entries.as_object().is_none_or(|e| !e.is_empty()));
}

/// Whether a place recorded by a rule on the whole document is still in the selected `doc`: a JSON
/// pointer under a kept component or operation (other pointers are document-level), or a record
/// that starts with a kept `operationId`.
pub fn is_kept(doc: &Value, place: &str) -> bool {
    let Some(pointer) = place.strip_prefix('/') else {
        let label = place.split(' ').next().unwrap_or_default();
        let id = label.strip_suffix(':').unwrap_or(label);
        return all_operation_ids(doc).iter().any(|op| op == id);
    };
    let segments: Vec<&str> = pointer.splitn(4, '/').collect();
    match segments.as_slice() {
        ["components" | "paths", section, entry, ..] => doc
            .pointer(&format!("/{}/{section}/{entry}", segments[0]))
            .is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "paths": {
                "/a": {"get": {"operationId": "a:get", "tags": ["a"],
                        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}},
                       "post": {"operationId": "a:post", "tags": ["b"],
                        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}}}}},
                "/b": {"get": {"operationId": "b:get", "responses": {}}}
            },
            "tags": [{"name": "a"}, {"name": "b"}],
            "components": {
                "schemas": {
                    "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"properties": {"a": {"$ref": "#/components/schemas/A"}}},
                    "C": {"type": "string"}
                },
                "securitySchemes": {"oat": {"type": "http"}}
            }
        })
    }

    #[test]
    fn list_file_ignores_comments_and_blanks() {
        assert_eq!(
            parse_operation_list("# hi\n\n a:get  # trailing\nb:get\n"),
            ["a:get", "b:get"]
        );
    }

    #[test]
    fn select_keeps_operations_their_closure_and_tags() {
        let mut doc = sample();
        select(&mut doc, &["a:get".to_string()]).unwrap();
        assert_eq!(all_operation_ids(&doc), ["a:get"]);
        let schemas: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(schemas, ["A", "B"]);
        assert_eq!(doc["tags"], json!([{"name": "a"}]));
        assert!(doc.pointer("/components/securitySchemes/oat").is_some());
    }

    #[test]
    fn select_reports_missing_operations_and_names_the_list_file() {
        let err = select(&mut sample(), &["nope".to_string()]).unwrap_err();
        assert!(err.contains("nope"), "{err}");
        assert!(err.contains("xtask/operations.txt"), "{err}");
    }

    #[test]
    fn places_outside_the_selection_are_not_kept() {
        let mut doc = sample();
        select(&mut doc, &["a:get".to_string()]).unwrap();
        assert!(is_kept(&doc, "/components/schemas/A/properties/b"));
        assert!(!is_kept(&doc, "/components/schemas/C"));
        assert!(is_kept(&doc, "/paths/~1a/get/parameters/0/schema"));
        assert!(!is_kept(&doc, "/paths/~1a/post/responses/200"));
        assert!(!is_kept(&doc, "/paths/~1b/get"));
        assert!(is_kept(&doc, "a:get: dropped error response 404"));
        assert!(is_kept(&doc, "a:get parameter metadata"));
        assert!(!is_kept(&doc, "a:post: dropped error response 404"));
        assert!(is_kept(&doc, "/webhooks"));
    }
}
