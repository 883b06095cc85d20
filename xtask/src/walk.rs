//! Visits every schema object of an OpenAPI document (components, parameters, bodies, responses,
//! headers and all nested sub-schemas), children before parents, so rules can rewrite bottom-up.

use serde_json::{Map, Value};

/// Where a schema sits in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The schema is a named entry of `components.schemas`.
    Component,
    /// The schema is nested (a property, a branch, a parameter's schema, …).
    Inline,
}

pub use crate::reach::escape;

/// The callback: JSON pointer of the schema, where it sits, the schema object.
pub type Visitor<'a> = dyn FnMut(&str, Site, &mut Map<String, Value>) + 'a;

/// Keywords whose value is a single sub-schema.
const SINGLE: &[&str] = &[
    "items",
    "not",
    "additionalProperties",
    "propertyNames",
    "contains",
];
/// Keywords whose value is an array of sub-schemas.
const LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of sub-schemas.
const MAPS: &[&str] = &["properties", "patternProperties"];

/// Calls `f` on every schema of `doc`, children before parents.
pub fn for_each_schema(doc: &mut Value, f: &mut Visitor<'_>) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let path = format!("/components/schemas/{}", escape(name));
            visit(schema, &path, Site::Component, f);
        }
    }
    for (section, depth) in [
        ("parameters", 0),
        ("responses", 1),
        ("requestBodies", 1),
        ("headers", 0),
    ] {
        if let Some(items) = doc
            .pointer_mut(&format!("/components/{section}"))
            .and_then(Value::as_object_mut)
        {
            for (name, item) in items.iter_mut() {
                let path = format!("/components/{section}/{}", escape(name));
                visit_holder(item, &path, depth, f);
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (route, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, value) in item.iter_mut() {
                let path = format!("/paths/{}/{}", escape(route), escape(key));
                if key == "parameters" {
                    visit_list_holders(value, &path, 0, f);
                } else {
                    visit_operation(value, &path, f);
                }
            }
        }
    }
}

fn visit_operation(op: &mut Value, path: &str, f: &mut Visitor<'_>) {
    let Some(op) = op.as_object_mut() else { return };
    if let Some(params) = op.get_mut("parameters") {
        visit_list_holders(params, &format!("{path}/parameters"), 0, f);
    }
    if let Some(body) = op.get_mut("requestBody") {
        visit_holder(body, &format!("{path}/requestBody"), 1, f);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for (code, response) in responses.iter_mut() {
            visit_holder(
                response,
                &format!("{path}/responses/{}", escape(code)),
                1,
                f,
            );
        }
    }
}

fn visit_list_holders(list: &mut Value, path: &str, depth: u8, f: &mut Visitor<'_>) {
    if let Some(list) = list.as_array_mut() {
        for (i, item) in list.iter_mut().enumerate() {
            visit_holder(item, &format!("{path}/{i}"), depth, f);
        }
    }
}

/// A parameter/header (`depth` 0: has `schema`) or a body/response (`depth` 1: has `content.*.schema`
/// and, for responses, `headers.*.schema`).
fn visit_holder(holder: &mut Value, path: &str, depth: u8, f: &mut Visitor<'_>) {
    let Some(holder) = holder.as_object_mut() else {
        return;
    };
    if let Some(schema) = holder.get_mut("schema") {
        visit(schema, &format!("{path}/schema"), Site::Inline, f);
    }
    if depth == 0 {
        return;
    }
    for section in ["content", "headers"] {
        if let Some(entries) = holder.get_mut(section).and_then(Value::as_object_mut) {
            for (key, entry) in entries.iter_mut() {
                visit_holder(entry, &format!("{path}/{section}/{}", escape(key)), 0, f);
            }
        }
    }
}

fn visit(schema: &mut Value, path: &str, site: Site, f: &mut Visitor<'_>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for key in SINGLE {
        if let Some(child) = map.get_mut(*key) {
            visit(child, &format!("{path}/{key}"), Site::Inline, f);
        }
    }
    for key in LISTS {
        if let Some(children) = map.get_mut(*key).and_then(Value::as_array_mut) {
            for (i, child) in children.iter_mut().enumerate() {
                visit(child, &format!("{path}/{key}/{i}"), Site::Inline, f);
            }
        }
    }
    for key in MAPS {
        if let Some(children) = map.get_mut(*key).and_then(Value::as_object_mut) {
            for (name, child) in children.iter_mut() {
                visit(
                    child,
                    &format!("{path}/{key}/{}", escape(name)),
                    Site::Inline,
                    f,
                );
            }
        }
    }
    f(path, site, map);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_nested_schemas_children_first() {
        let mut doc = json!({
            "components": {"schemas": {"A": {"properties": {"x": {"anyOf": [{"type": "string"}]}}}}},
            "paths": {"/a/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"items": {}}}}}}
            }}}
        });
        let mut seen = Vec::new();
        for_each_schema(&mut doc, &mut |path, site, _| {
            seen.push((path.to_string(), site))
        });
        let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/components/schemas/A/properties/x/anyOf/0",
                "/components/schemas/A/properties/x",
                "/components/schemas/A",
                "/paths/~1a~1{id}/get/parameters/0/schema",
                "/paths/~1a~1{id}/get/responses/200/content/application~1json/schema/items",
                "/paths/~1a~1{id}/get/responses/200/content/application~1json/schema",
            ]
        );
        assert_eq!(seen[2].1, Site::Component);
        assert_eq!(seen[1].1, Site::Inline);
    }
}
