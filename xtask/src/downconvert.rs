//! Faithful OpenAPI 3.1 → 3.0.3 down-conversion: one small function per construct, applied to every
//! schema bottom-up, plus the document-level changes (version, `info.summary`, `webhooks`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use crate::walk::for_each_schema;

/// Where each rule fired (JSON pointers of the rewritten schemas or members), by rule name.
pub type Places = BTreeMap<String, Vec<String>>;

/// Facts about the whole document that a schema rule may need.
#[derive(Debug, Default)]
pub struct Ctx {
    /// `type` of each component schema that has one, by component name.
    component_types: HashMap<String, String>,
}

impl Ctx {
    /// Collects the component facts of `doc`.
    pub fn of(doc: &Value) -> Self {
        let component_types = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .filter_map(|(name, s)| {
                        Some((name.clone(), s.get("type")?.as_str()?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { component_types }
    }

    /// The JSON type of a schema, looking through one `$ref` to a component.
    fn type_of(&self, schema: &Value) -> Option<String> {
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            return Some(t.to_string());
        }
        let name = schema
            .get("$ref")?
            .as_str()?
            .strip_prefix("#/components/schemas/")?;
        self.component_types.get(name).cloned()
    }
}

/// A schema rewrite; returns whether it changed anything.
type Rule = fn(&mut Map<String, Value>, &Ctx) -> bool;

/// The schema rules, in the order they are applied to each schema node.
pub const RULES: &[(&str, Rule)] = &[
    ("ref-siblings", ref_siblings),
    ("type-array", type_array),
    ("type-null", type_null_alone),
    ("null-union", null_union),
    ("const", const_to_enum),
    ("examples", examples_to_example),
    ("format-uuid4", format_uuid4),
    ("exclusive-bounds", exclusive_bounds),
    ("prefix-items", prefix_items),
    ("property-names", property_names),
    ("pattern-properties", pattern_properties),
    ("enum-names", enum_names),
];

/// Down-converts `doc` in place and returns where each rule fired.
pub fn downconvert(doc: &mut Value) -> Places {
    let mut places = document_rules(doc);
    let ctx = Ctx::of(doc);
    for_each_schema(doc, &mut |path, _, schema| {
        for (name, rule) in RULES {
            if rule(schema, &ctx) {
                places
                    .entry((*name).to_string())
                    .or_default()
                    .push(path.to_string());
            }
        }
    });
    places
}

/// Version string, `info.summary`, `webhooks` and other 3.1-only top-level members.
pub fn document_rules(doc: &mut Value) -> Places {
    let mut places = Places::new();
    let mut fired = |name: &str| places.insert(name.to_string(), vec![format!("/{name}")]);
    let Some(root) = doc.as_object_mut() else {
        return places;
    };
    if root.get("openapi").and_then(Value::as_str) != Some("3.0.3") {
        root.insert("openapi".into(), json!("3.0.3"));
        fired("openapi-version");
    }
    for key in ["webhooks", "jsonSchemaDialect"] {
        if root.remove(key).is_some() {
            fired(key);
        }
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut)
        && let Some(summary) = info.remove("summary")
    {
        let summary = summary.as_str().unwrap_or_default().to_string();
        let folded = match info.get("description").and_then(Value::as_str) {
            Some(description) => format!("{summary}\n\n{description}"),
            None => summary,
        };
        info.insert("description".into(), json!(folded));
        fired("info-summary");
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
        && components.remove("pathItems").is_some()
    {
        fired("components-path-items");
    }
    places
}

/// True for `{type: null}` and for its converted form `{enum: [null], nullable: true}`.
fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || (schema.get("nullable") == Some(&json!(true))
            && schema.get("enum") == Some(&json!([null])))
}

/// `type: null` alone → `enum: [null]` + `nullable` (3.0 has no null type).
pub fn type_null_alone(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    if s.get("type").and_then(Value::as_str) != Some("null") {
        return false;
    }
    s.remove("type");
    s.insert("enum".into(), json!([null]));
    s.insert("nullable".into(), json!(true));
    true
}

/// `type: [a, b, "null"]` → `type: a` (or a `oneOf` with one branch per type) + `nullable: true`;
/// `type: ["null"]` → `type: "null"`, which `type-null` then converts.
pub fn type_array(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    if !s.get("type").is_some_and(Value::is_array) {
        return false;
    }
    let Some(Value::Array(types)) = s.remove("type") else {
        return false;
    };
    let (nulls, mut named): (Vec<Value>, Vec<Value>) = types.into_iter().partition(|t| t == "null");
    if !nulls.is_empty() && !named.is_empty() {
        s.insert("nullable".into(), json!(true));
    }
    match named.len() {
        0 => {
            s.insert("type".into(), json!("null"));
        }
        1 => {
            s.insert("type".into(), named.remove(0));
        }
        _ => {
            let branches = named.into_iter().map(|t| json!({ "type": t })).collect();
            s.insert("oneOf".into(), Value::Array(branches));
        }
    }
    true
}

/// `anyOf`/`oneOf` with a null branch → the other branch(es) + `nullable: true`. A lone `$ref`
/// branch becomes `allOf: [$ref]`; a lone inline branch is merged into the parent (parent wins).
pub fn null_union(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    let Some(key) = ["anyOf", "oneOf"].into_iter().find(|k| {
        s.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|b| b.iter().any(is_null_schema))
    }) else {
        return false;
    };
    let Some(Value::Array(branches)) = s.remove(key) else {
        return false;
    };
    let mut rest: Vec<Value> = branches
        .into_iter()
        .filter(|b| !is_null_schema(b))
        .collect();
    s.insert("nullable".into(), json!(true));
    match rest.len() {
        0 => {
            s.insert("enum".into(), json!([null]));
        }
        1 => match rest.remove(0) {
            Value::Object(branch) if branch.contains_key("$ref") => {
                s.insert("allOf".into(), json!([branch]));
            }
            Value::Object(branch) => {
                for (k, v) in branch {
                    s.entry(k).or_insert(v);
                }
            }
            other => {
                s.insert("allOf".into(), json!([other]));
            }
        },
        _ => {
            s.insert(key.into(), Value::Array(rest));
        }
    }
    true
}

/// `const: v` → `enum: [v]`.
pub fn const_to_enum(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    let Some(value) = s.remove("const") else {
        return false;
    };
    s.insert("enum".into(), json!([value]));
    true
}

/// `examples: [a, …]` → `example: a` (3.0 schemas have a single example).
pub fn examples_to_example(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    let Some(examples) = s.remove("examples") else {
        return false;
    };
    if let Some(first) = examples.as_array().and_then(|e| e.first()) {
        s.entry("example").or_insert_with(|| first.clone());
    }
    true
}

/// `format: uuid4` → `format: uuid`, which typify maps to `uuid::Uuid`.
pub fn format_uuid4(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    if s.get("format").and_then(Value::as_str) != Some("uuid4") {
        return false;
    }
    s.insert("format".into(), json!("uuid"));
    true
}

/// Numeric `exclusiveMinimum: n` → `minimum: n, exclusiveMinimum: true` (and the same for maximum).
pub fn exclusive_bounds(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    let mut changed = false;
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n) = s.get(exclusive).filter(|v| v.is_number()).cloned() {
            s.insert(bound.into(), n);
            s.insert(exclusive.into(), json!(true));
            changed = true;
        }
    }
    changed
}

/// `prefixItems` tuple → `items` of the common type (or any), with `minItems = maxItems = n`.
pub fn prefix_items(s: &mut Map<String, Value>, ctx: &Ctx) -> bool {
    let Some(Value::Array(tuple)) = s.remove("prefixItems") else {
        return false;
    };
    let types: Vec<Option<String>> = tuple.iter().map(|t| ctx.type_of(t)).collect();
    let items = match types.first() {
        Some(Some(t)) if types.iter().all(|x| x.as_deref() == Some(t)) => json!({ "type": t }),
        _ => json!({}),
    };
    s.insert("items".into(), items);
    s.insert("minItems".into(), json!(tuple.len()));
    s.insert("maxItems".into(), json!(tuple.len()));
    true
}

/// `propertyNames` → `x-propertyNames` (kept as documentation; 3.0 cannot express it).
pub fn property_names(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    rename(s, "propertyNames", "x-propertyNames")
}

/// `enumNames` (non-standard) → `x-enumNames`.
pub fn enum_names(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    rename(s, "enumNames", "x-enumNames")
}

fn rename(s: &mut Map<String, Value>, from: &str, to: &str) -> bool {
    let Some(value) = s.remove(from) else {
        return false;
    };
    s.insert(to.into(), value);
    true
}

/// `patternProperties` → `additionalProperties` (the single pattern's schema, else any); lossy.
pub fn pattern_properties(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    let Some(Value::Object(patterns)) = s.remove("patternProperties") else {
        return false;
    };
    let value = match patterns.len() {
        1 => patterns
            .into_iter()
            .map(|(_, v)| v)
            .next()
            .unwrap_or(json!({})),
        _ => json!({}),
    };
    s.entry("additionalProperties").or_insert(value);
    true
}

/// `$ref` with sibling keywords: 3.0 ignores siblings, so drop annotations; keep a `default` by
/// wrapping the reference in `allOf`.
pub fn ref_siblings(s: &mut Map<String, Value>, _: &Ctx) -> bool {
    if !s.contains_key("$ref") || s.len() == 1 {
        return false;
    }
    let reference = s.remove("$ref").unwrap_or_default();
    let default = s.remove("default");
    let description = s.remove("description");
    s.clear();
    match default {
        Some(default) => {
            s.insert("allOf".into(), json!([{ "$ref": reference }]));
            s.insert("default".into(), default);
            if let Some(description) = description {
                s.insert("description".into(), description);
            }
        }
        None => {
            s.insert("$ref".into(), reference);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(rule: Rule, input: Value) -> (bool, Value) {
        apply_with(rule, input, &Ctx::default())
    }

    fn apply_with(rule: Rule, input: Value, ctx: &Ctx) -> (bool, Value) {
        let Value::Object(mut map) = input else {
            panic!("test input must be an object")
        };
        let fired = rule(&mut map, ctx);
        (fired, Value::Object(map))
    }

    #[test]
    fn type_arrays_become_one_type_plus_nullable() {
        let (fired, out) = apply(
            type_array,
            json!({"type": ["string", "null"], "maxLength": 3}),
        );
        assert!(fired);
        assert_eq!(
            out,
            json!({"type": "string", "nullable": true, "maxLength": 3})
        );
        let (_, out) = apply(type_array, json!({"type": ["string", "integer"]}));
        assert_eq!(
            out,
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
        );
        let (_, out) = apply(type_array, json!({"type": ["null"]}));
        assert_eq!(out, json!({"type": "null"}));
        assert!(!apply(type_array, json!({"type": "string"})).0);
    }

    #[test]
    fn null_union_scalar_merges_branch_into_parent() {
        let (fired, out) = apply(
            null_union,
            json!({"anyOf": [{"type": "string", "maxLength": 5, "description": "inner"}, {"type": "null"}],
                   "title": "Name", "description": "outer"}),
        );
        assert!(fired);
        assert_eq!(
            out,
            json!({"type": "string", "maxLength": 5, "nullable": true, "title": "Name", "description": "outer"})
        );
    }

    #[test]
    fn null_union_ref_becomes_all_of() {
        let (_, out) = apply(
            null_union,
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}),
        );
        assert_eq!(
            out,
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
    }

    #[test]
    fn null_union_many_branches_keeps_union_and_sees_converted_null() {
        let (_, out) = apply(
            null_union,
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"enum": [null], "nullable": true}]}),
        );
        assert_eq!(
            out,
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn null_union_ignores_unions_without_null() {
        let input = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(apply(null_union, input.clone()), (false, input));
    }

    #[test]
    fn type_null_alone_becomes_nullable_null_enum() {
        let (fired, out) = apply(type_null_alone, json!({"type": "null", "title": "Nothing"}));
        assert!(fired);
        assert_eq!(
            out,
            json!({"title": "Nothing", "enum": [null], "nullable": true})
        );
    }

    #[test]
    fn const_becomes_single_value_enum() {
        let (_, out) = apply(const_to_enum, json!({"type": "string", "const": "team"}));
        assert_eq!(out, json!({"type": "string", "enum": ["team"]}));
    }

    #[test]
    fn examples_keep_the_first_as_example() {
        let (_, out) = apply(
            examples_to_example,
            json!({"type": "string", "examples": ["a", "b"]}),
        );
        assert_eq!(out, json!({"type": "string", "example": "a"}));
    }

    #[test]
    fn uuid4_format_becomes_uuid() {
        let (_, out) = apply(format_uuid4, json!({"type": "string", "format": "uuid4"}));
        assert_eq!(out, json!({"type": "string", "format": "uuid"}));
        assert!(!apply(format_uuid4, json!({"format": "email"})).0);
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_form() {
        let (_, out) = apply(
            exclusive_bounds,
            json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}),
        );
        assert_eq!(
            out,
            json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0, "exclusiveMaximum": true, "maximum": 10})
        );
        assert!(
            !apply(
                exclusive_bounds,
                json!({"exclusiveMinimum": true, "minimum": 1})
            )
            .0
        );
    }

    #[test]
    fn prefix_items_of_strings_become_fixed_size_string_array() {
        let ctx = Ctx::of(
            &json!({"components": {"schemas": {"TaxIDFormat": {"type": "string", "enum": ["us_ein"]}}}}),
        );
        let (_, out) = apply_with(
            prefix_items,
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"$ref": "#/components/schemas/TaxIDFormat"}]}),
            &ctx,
        );
        assert_eq!(
            out,
            json!({"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2})
        );
    }

    #[test]
    fn prefix_items_of_mixed_types_become_any_items() {
        let (_, out) = apply(
            prefix_items,
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}),
        );
        assert_eq!(
            out,
            json!({"type": "array", "items": {}, "minItems": 2, "maxItems": 2})
        );
    }

    #[test]
    fn property_names_move_to_extension() {
        let (_, out) = apply(
            property_names,
            json!({"type": "object", "propertyNames": {"maxLength": 40}}),
        );
        assert_eq!(
            out,
            json!({"type": "object", "x-propertyNames": {"maxLength": 40}})
        );
    }

    #[test]
    fn enum_names_move_to_extension() {
        let (_, out) = apply(
            enum_names,
            json!({"enum": [1, 2], "enumNames": ["one", "two"]}),
        );
        assert_eq!(out, json!({"enum": [1, 2], "x-enumNames": ["one", "two"]}));
    }

    #[test]
    fn pattern_properties_become_additional_properties() {
        let (_, out) = apply(
            pattern_properties,
            json!({"type": "object", "patternProperties": {"^a": {"type": "integer"}}}),
        );
        assert_eq!(
            out,
            json!({"type": "object", "additionalProperties": {"type": "integer"}})
        );
        let (_, out) = apply(
            pattern_properties,
            json!({"patternProperties": {"^a": {}, "^b": {"type": "string"}}}),
        );
        assert_eq!(out, json!({"additionalProperties": {}}));
    }

    #[test]
    fn ref_siblings_are_dropped_or_wrapped_when_defaulted() {
        let (_, out) = apply(
            ref_siblings,
            json!({"$ref": "#/components/schemas/A", "description": "d", "title": "T"}),
        );
        assert_eq!(out, json!({"$ref": "#/components/schemas/A"}));
        let (_, out) = apply(
            ref_siblings,
            json!({"$ref": "#/components/schemas/A", "default": "x", "title": "T"}),
        );
        assert_eq!(
            out,
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "default": "x"})
        );
        assert!(!apply(ref_siblings, json!({"$ref": "#/components/schemas/A"})).0);
    }

    #[test]
    fn document_rules_fix_version_summary_and_webhooks() {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "T", "summary": "S", "description": "D"},
                             "webhooks": {}, "paths": {}});
        let counts = document_rules(&mut doc);
        assert_eq!(
            doc,
            json!({"openapi": "3.0.3", "info": {"title": "T", "description": "S\n\nD"}, "paths": {}})
        );
        assert_eq!(counts.len(), 3);
    }

    #[test]
    fn downconvert_walks_nested_schemas() {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"A": {"properties": {
            "id": {"anyOf": [{"type": "string", "format": "uuid4"}, {"type": "null"}], "examples": ["x"]}}}}}});
        let counts = downconvert(&mut doc);
        assert_eq!(
            doc.pointer("/components/schemas/A/properties/id"),
            Some(&json!({"type": "string", "format": "uuid", "nullable": true, "example": "x"}))
        );
        let id = "/components/schemas/A/properties/id".to_string();
        assert_eq!(counts.get("null-union"), Some(&vec![id.clone()]));
        assert_eq!(
            counts.get("format-uuid4"),
            Some(&vec![format!("{id}/anyOf/0")])
        );
    }
}
