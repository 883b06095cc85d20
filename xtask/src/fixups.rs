//! Client fix-ups on a 3.0.3 document: the changes progenitor 0.15 / typify 0.8 need to generate a
//! correct client that compiles with the crate's own dependencies. Each returns where it fired.
//!
//! They run on the whole upstream document, before the listed operations are selected, so every
//! decision (which title names a type, which field is optional) depends only on Polar's spec and
//! never on which other operations `xtask/operations.txt` lists.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::reach::{reachable, schema_ref};
use crate::select::METHODS;
use crate::walk::{Site, escape, for_each_schema};

/// A fix-up: rewrites the document, returns where it fired.
type FixUp = fn(&mut Value) -> Vec<String>;

/// Where each fix-up fired, by fix-up name.
pub type Fired = BTreeMap<String, Vec<String>>;

/// Applies every fix-up in order and reports where each fired (empty ones are left out).
pub fn apply_all(doc: &mut Value) -> Fired {
    let steps: [(&str, FixUp); 10] = [
        ("drop-patterns", drop_patterns),
        ("unnameable-enum-to-string", unnameable_enums),
        ("drop-deep-object-params", deep_object_params),
        ("drop-error-responses", drop_error_responses),
        ("merge-responses", merge_responses),
        ("name-inline-request-bodies", name_inline_request_bodies),
        ("nullable-response-fields-optional", relax_nullable_required),
        ("any-of-to-one-of", any_of_to_one_of),
        ("titled-schema-to-component-ref", titled_schemas_to_refs),
        ("drop-ambiguous-titles", dedupe_titles),
    ];
    steps
        .into_iter()
        .map(|(name, step)| (name.to_string(), step(doc)))
        .filter(|(_, fired)| !fired.is_empty())
        .collect()
}

/// A name reduced to what decides typify's identifier for it: typify keeps the alphanumerics
/// (after dropping `'` and turning every other character into a word break) and Pascal-cases them,
/// so names that agree here may become the same Rust type (`Payment Processor` and
/// `PaymentProcessor`, `tax_id` and `TaxId`). Case-folding makes the comparison a little coarser
/// than typify's, which only ever drops a title that did not need dropping.
pub fn ident_key(raw: &str) -> String {
    let key: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // typify prefixes `X` when a name does not start like an identifier (`2xx` → `X2xx`).
    match key.chars().next() {
        Some(c) if c.is_alphabetic() => key,
        _ => format!("x{key}"),
    }
}

/// `pattern` is recorded in `x-pattern` and dropped: typify turns every pattern into a string
/// newtype validated through the `regress` crate, which the client does not depend on (the
/// hand-written layer validates what it sends itself).
pub fn drop_patterns(doc: &mut Value) -> Vec<String> {
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, _, schema| {
        if let Some(pattern) = schema.remove("pattern") {
            schema.insert("x-pattern".into(), pattern);
            fired.push(path.to_string());
        }
    });
    fired
}

/// String enums with a value typify cannot turn into a clean variant name become plain strings,
/// the allowed values kept in `x-enum-values` for readers. A value is clean when, with its `_`
/// removed, it is ASCII letters and digits starting with a letter, and no two values fold to the
/// same name. Otherwise typify either panics ("Failed to make unique variant names" on
/// `Etc/GMT+0` vs `Etc/GMT-0`) or invents placeholder names (`-created_at` → `XcreatedXat`,
/// `2xx` → `X2xx`); it has no `x-enum-varnames` support.
pub fn unnameable_enums(doc: &mut Value) -> Vec<String> {
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, _, schema| {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        let Some(names) = values
            .iter()
            .filter(|v| !v.is_null())
            .map(Value::as_str)
            .collect::<Option<Vec<&str>>>()
        else {
            return;
        };
        if names.is_empty() || cleanly_nameable(&names) {
            return;
        }
        let kept: Vec<Value> = names.iter().map(|n| json!(n)).collect();
        schema.remove("enum");
        schema.remove("x-enumNames");
        schema.insert("type".into(), json!("string"));
        schema.insert("x-enum-values".into(), Value::Array(kept));
        fired.push(path.to_string());
    });
    fired
}

/// True when every value makes a distinct variant name without typify's placeholders.
fn cleanly_nameable(values: &[&str]) -> bool {
    let mut seen = BTreeSet::new();
    values.iter().all(|value| {
        let folded: String = value
            .chars()
            .filter(|&c| c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let plain = folded.starts_with(|c: char| c.is_ascii_alphabetic())
            && folded.chars().all(|c| c.is_ascii_alphanumeric());
        plain && seen.insert(folded)
    })
}

/// Query parameters with `style: deepObject` are dropped: progenitor rejects them.
pub fn deep_object_params(doc: &mut Value) -> Vec<String> {
    let deep_refs: BTreeSet<String> = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, p)| is_deep_object(p))
        .map(|(name, _)| format!("#/components/parameters/{}", escape(name)))
        .collect();
    let mut fired = Vec::new();
    for_each_operation(doc, &mut |label, op| {
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return;
        };
        params.retain(|p| {
            let by_ref = p
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| deep_refs.contains(r));
            let drop = by_ref || is_deep_object(p);
            if drop {
                let name = p
                    .get("name")
                    .or_else(|| p.get("$ref"))
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                fired.push(format!("{label} parameter {name}"));
            }
            !drop
        });
    });
    fired
}

fn is_deep_object(param: &Value) -> bool {
    param.get("style").and_then(Value::as_str) == Some("deepObject")
}

/// Calls `f` with `"operationId"` (or `METHOD path`) and each operation object.
fn for_each_operation(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (route, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let label = match op.get("operationId").and_then(Value::as_str) {
                Some(id) => id.to_string(),
                None => format!("{} {route}", method.to_uppercase()),
            };
            f(&label, op);
        }
    }
}

/// Only success responses are generated: every other status reaches the client as progenitor's
/// `UnexpectedResponse` with the raw response, which the hand-written layer reads (within its size
/// cap) and classifies itself. The spec lists few of the answers Polar really sends (429, 401, 403,
/// proxy pages), and a typed error body would lose the raw bytes the classification needs.
pub fn drop_error_responses(doc: &mut Value) -> Vec<String> {
    let mut fired = Vec::new();
    for_each_operation(doc, &mut |label, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let errors: Vec<String> = responses
            .keys()
            .filter(|code| !code.starts_with('2'))
            .cloned()
            .collect();
        for code in errors {
            responses.remove(&code);
            fired.push(format!("{label}: dropped error response {code}"));
        }
    });
    fired
}

/// progenitor allows one success and one error type per operation: content-less extras are dropped
/// when a sibling has content, and several error (or success) schemas are merged into one `oneOf`
/// component named after its members (`ResourceNotFoundOrHTTPValidationError`).
pub fn merge_responses(doc: &mut Value) -> Vec<String> {
    let mut fired = Vec::new();
    let mut synthetic: BTreeMap<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let existing: BTreeSet<String> = synthetic.keys().cloned().collect();
    for_each_operation(doc, &mut |label, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for success in [true, false] {
            let group: Vec<String> = responses
                .keys()
                .filter(|code| code.starts_with('2') == success)
                .cloned()
                .collect();
            let suffix = if success { "Response" } else { "Error" };
            let group = Group {
                label,
                codes: &group,
                suffix,
            };
            merge_group(&group, responses, &mut synthetic, &mut fired);
        }
    });
    if !synthetic.is_empty()
        && let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
    {
        for (name, schema) in synthetic
            .into_iter()
            .filter(|(name, _)| !existing.contains(name))
        {
            schemas.insert(name, schema);
        }
    }
    fired
}

/// The success or the error responses of one operation.
struct Group<'a> {
    label: &'a str,
    codes: &'a [String],
    suffix: &'a str,
}

/// Merges one group; `schemas` holds every component schema, synthetic ones included.
fn merge_group(
    group: &Group<'_>,
    responses: &mut Map<String, Value>,
    schemas: &mut BTreeMap<String, Value>,
    fired: &mut Vec<String>,
) {
    let label = group.label;
    let has_content = |code: &String| {
        responses
            .get(code)
            .and_then(|r| r.get("content"))
            .is_some_and(|c| c.as_object().is_some_and(|c| !c.is_empty()))
    };
    let (with, without): (Vec<&String>, Vec<&String>) =
        group.codes.iter().partition(|c| has_content(c));
    if !with.is_empty() {
        for code in &without {
            responses.remove(*code);
            fired.push(format!("{label}: dropped content-less response {code}"));
        }
    }
    let bodies: Vec<Value> = with.iter().map(|c| json_schema(&responses[*c])).collect();
    let mut distinct: Vec<&Value> = Vec::new();
    for schema in &bodies {
        if !distinct.contains(&schema) {
            distinct.push(schema);
        }
    }
    if distinct.len() < 2 {
        return;
    }
    if distinct.iter().any(|s| s.is_null()) {
        // Not all JSON: keep the first response with content, drop the others.
        for code in with.iter().skip(1) {
            responses.remove(*code);
            fired.push(format!(
                "{label}: dropped non-JSON-mergeable response {code}"
            ));
        }
        return;
    }
    let merged = json!({ "oneOf": distinct });
    let base = synthetic_name(label, &distinct, group.suffix);
    let name = first_free(&base, |n| schemas.get(n).is_none_or(|s| *s == merged));
    schemas.insert(name.clone(), merged);
    let reference = json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}") } } });
    let codes: Vec<String> = with.iter().map(|c| (*c).clone()).collect();
    for code in &codes {
        if let Some(response) = responses.get_mut(code).and_then(Value::as_object_mut) {
            response.insert("content".into(), reference.clone());
        }
    }
    fired.push(format!(
        "{label}: responses {} now share {name}",
        codes.join(", ")
    ));
}

/// The `application/json` schema of a response, or null when it has none.
fn json_schema(response: &Value) -> Value {
    response
        .pointer("/content/application~1json/schema")
        .cloned()
        .unwrap_or(Value::Null)
}

/// `AOrB` from component references, else `<OperationId><suffix>`.
fn synthetic_name(label: &str, schemas: &[&Value], suffix: &str) -> String {
    let names: Option<Vec<&str>> = schemas
        .iter()
        .map(|s| {
            s.get("$ref")?
                .as_str()?
                .strip_prefix("#/components/schemas/")
        })
        .collect();
    match names {
        Some(names) => names.join("Or"),
        None => format!("{}{suffix}", pascal_case(label)),
    }
}

/// The words of `text` (split at anything not alphanumeric) capitalised and joined:
/// `customers:get_state` → `CustomersGetState`, `Customer Session Create` → `CustomerSessionCreate`.
fn pascal_case(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// `base`, or `base2`, `base3`, … : the first that `free` accepts.
fn first_free(base: &str, free: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| match n {
            1 => base.to_string(),
            n => format!("{base}{n}"),
        })
        .find(|name| free(name))
        .unwrap_or_else(|| base.to_string())
}

/// Inline JSON request bodies become components, named after their `title` (else
/// `<OperationId>Body`), referenced from the operation. typify applies `with_replacement` only to
/// components, and the client replaces request bodies with its own builders: the union body of
/// `customer-sessions:create` ("Customer Session Create") must be replaceable like `CustomerUpdate`.
pub fn name_inline_request_bodies(doc: &mut Value) -> Vec<String> {
    let mut taken = taken_names(doc);
    let mut named = Vec::new();
    let mut fired = Vec::new();
    for_each_operation(doc, &mut |label, op| {
        let Some(schema) = op
            .get_mut("requestBody")
            .and_then(|body| body.pointer_mut("/content/application~1json/schema"))
        else {
            return;
        };
        if schema.get("$ref").is_some() {
            return;
        }
        let title = schema
            .get("title")
            .and_then(Value::as_str)
            .map(pascal_case)
            .filter(|t| !t.is_empty() && !taken.contains(&ident_key(t)));
        let name = title.unwrap_or_else(|| {
            let base = format!("{}Body", pascal_case(label));
            first_free(&base, |n| !taken.contains(&ident_key(n)))
        });
        taken.insert(ident_key(&name));
        let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
        named.push((name.clone(), std::mem::replace(schema, reference)));
        fired.push(format!("{label}: request body named {name}"));
    });
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(named);
    }
    fired
}

/// In schemas used only by responses, a `nullable` field stops being `required`: typify would make
/// a missing key a decode error (`deserialize_with = Option::deserialize`), so a customer from an
/// older or newer server (or the docs' own example, which omits `billing_name`) would fail to decode.
/// Request schemas are left alone: there an explicit `null` may matter.
pub fn relax_nullable_required(doc: &mut Value) -> Vec<String> {
    let (mut requests, mut responses) = (Vec::new(), Vec::new());
    for_each_operation(doc, &mut |_, op| {
        requests.extend(op.get("requestBody").cloned());
        requests.extend(op.get("parameters").cloned());
        responses.extend(op.get("responses").cloned());
    });
    let no_leaves = BTreeSet::new();
    let request_refs = reachable(doc, &Value::Array(requests), &no_leaves);
    let response_only: Vec<String> = reachable(doc, &Value::Array(responses), &no_leaves)
        .difference(&request_refs)
        .filter_map(|r| r.strip_prefix('#').map(|p| format!("{p}/")))
        .collect();
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, _, schema| {
        if !response_only
            .iter()
            .any(|prefix| format!("{path}/").starts_with(prefix.as_str()))
        {
            return;
        }
        let nullable: BTreeSet<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, p)| p.get("nullable") == Some(&json!(true)))
            .map(|(name, _)| name.clone())
            .collect();
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| {
                let relax = r.as_str().is_some_and(|r| nullable.contains(r));
                if relax {
                    fired.push(format!(
                        "{path}/properties/{}",
                        r.as_str().map(escape).unwrap_or_default()
                    ));
                }
                !relax
            });
        }
    });
    fired
}

/// `anyOf` → `oneOf`: typify turns `anyOf` into a struct of flattened `Option`s that fails at runtime.
pub fn any_of_to_one_of(doc: &mut Value) -> Vec<String> {
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, _, schema| {
        if schema.contains_key("oneOf") {
            return;
        }
        if let Some(branches) = schema.remove("anyOf") {
            schema.insert("oneOf".into(), branches);
            fired.push(path.to_string());
        }
    });
    fired
}

/// Names the generated module already uses (progenitor's `Error`, `Client`, …) or that read like
/// std types; an inline title equal to one of them is dropped too.
const RESERVED_NAMES: &[&str] = &[
    "Error",
    "Client",
    "ResponseValue",
    "ByteStream",
    "Result",
    "Option",
    "String",
    "Vec",
    "Box",
    "Value",
];

/// The identifier keys typify can no longer give a new type: component names and reserved names.
fn taken_names(doc: &Value) -> BTreeSet<String> {
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|s| s.keys());
    RESERVED_NAMES
        .iter()
        .copied()
        .chain(components.map(String::as_str))
        .map(ident_key)
        .collect()
}

/// Keywords that document a schema without changing the Rust type typify makes of it (`nullable`
/// becomes an `Option` where the type is used, not a different type).
const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "examples",
    "nullable",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
];

/// What decides the Rust type of a titled schema: the schema without its own title, and without
/// annotations at any depth. Two schemas with the same shape may share the title's type name.
fn shape(schema: &Map<String, Value>) -> Value {
    fn strip(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"))
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let mut own = schema.clone();
    own.remove("title");
    strip(&Value::Object(own))
}

/// An inline schema titled with a component's name (as typify forms names: `Payment Processor`
/// names `PaymentProcessor`) and of the same shape becomes a reference to that component. typify
/// would otherwise define the type twice (the inline copy does not reuse the component's type), and
/// the type keeps the component's name whichever operations are listed.
pub fn titled_schemas_to_refs(doc: &mut Value) -> Vec<String> {
    let components: BTreeMap<String, (String, Value)> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, schema)| {
            Some((ident_key(name), (name.clone(), shape(schema.as_object()?))))
        })
        .collect();
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, site, schema| {
        let Some(title) = schema.get("title").and_then(Value::as_str) else {
            return;
        };
        let Some((name, component)) = components.get(&ident_key(title)) else {
            return;
        };
        if site != Site::Inline || shape(schema) != *component {
            return;
        }
        let reference = json!({ "$ref": schema_ref(name) });
        let kept: Map<String, Value> = ["nullable", "default"]
            .iter()
            .filter_map(|key| Some((key.to_string(), schema.get(*key)?.clone())))
            .collect();
        schema.clear();
        if kept.is_empty() {
            schema.extend(reference.as_object().cloned().unwrap_or_default());
        } else {
            schema.insert("allOf".into(), json!([reference]));
            schema.extend(kept);
        }
        fired.push(path.to_string());
    });
    fired
}

/// Drops inline `title`s that typify would use as a type name for schemas of different shapes (or
/// that clash with a component or reserved name): typify reuses the first type registered under a
/// name, so `CustomerTeam.type` silently got the individual-only enum. Run on the whole upstream
/// document, the decision for a title does not depend on the operations selected.
pub fn dedupe_titles(doc: &mut Value) -> Vec<String> {
    let taken = taken_names(doc);
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for_each_schema(doc, &mut |_, site, schema| {
        if let (Site::Inline, Some(title)) = (site, schema.get("title").and_then(Value::as_str)) {
            seen.entry(ident_key(title))
                .or_default()
                .push(shape(schema));
        }
    });
    let ambiguous: BTreeSet<String> = seen
        .into_iter()
        .filter(|(key, schemas)| taken.contains(key) || schemas.iter().any(|s| s != &schemas[0]))
        .map(|(key, _)| key)
        .collect();
    let mut fired = Vec::new();
    for_each_schema(doc, &mut |path, site, schema| {
        let is_ambiguous = schema
            .get("title")
            .and_then(Value::as_str)
            .is_some_and(|t| ambiguous.contains(&ident_key(t)));
        if site == Site::Inline && is_ambiguous {
            schema.remove("title");
            fired.push(path.to_string());
        }
    });
    fired
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with_schemas(schemas: Value) -> Value {
        json!({"paths": {}, "components": {"schemas": schemas}})
    }

    #[test]
    fn enums_typify_cannot_name_become_plain_strings() {
        let mut doc = doc_with_schemas(json!({
            "Tz": {"type": "string", "enum": ["Etc/GMT+0", "Etc/GMT-0"]},
            "Sort": {"type": "string", "enum": ["created_at", "-created_at"], "title": "Sort"},
            "Status": {"enum": ["2xx", "4xx", null], "nullable": true},
            "Folded": {"type": "string", "enum": ["a_b", "ab"]},
            "Cased": {"type": "string", "enum": ["On", "on"]},
            "Ok": {"type": "string", "enum": ["us_ein", "AD", "_private", "v2"]},
            "Numbers": {"type": "integer", "enum": [1, 2]},
            "Null": {"enum": [null], "nullable": true}
        }));
        let fired = unnameable_enums(&mut doc);
        assert_eq!(
            fired,
            [
                "/components/schemas/Tz",
                "/components/schemas/Sort",
                "/components/schemas/Status",
                "/components/schemas/Folded",
                "/components/schemas/Cased"
            ]
        );
        assert_eq!(
            doc.pointer("/components/schemas/Sort"),
            Some(&json!({"type": "string", "title": "Sort",
                         "x-enum-values": ["created_at", "-created_at"]}))
        );
        assert_eq!(
            doc.pointer("/components/schemas/Status"),
            Some(&json!({"nullable": true, "type": "string", "x-enum-values": ["2xx", "4xx"]}))
        );
        for untouched in ["Ok", "Numbers", "Null"] {
            let schema = doc
                .pointer(&format!("/components/schemas/{untouched}"))
                .unwrap();
            assert!(schema.get("enum").is_some(), "{untouched} keeps its enum");
        }
    }

    #[test]
    fn fix_ups_record_the_enum_rule_by_name() {
        let mut doc = doc_with_schemas(json!({"Sort": {"type": "string", "enum": ["-name"]}}));
        let fired = apply_all(&mut doc);
        assert_eq!(
            fired.get("unnameable-enum-to-string"),
            Some(&vec!["/components/schemas/Sort".to_string()])
        );
    }

    #[test]
    fn deep_object_query_params_are_dropped() {
        let mut doc = json!({"paths": {"/x": {"get": {"operationId": "x:list", "parameters": [
            {"name": "metadata", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
            {"name": "page", "in": "query", "schema": {"type": "integer"}}
        ]}}}});
        let fired = deep_object_params(&mut doc);
        assert_eq!(fired, ["x:list parameter metadata"]);
        assert_eq!(
            doc.pointer("/paths/~1x/get/parameters/0/name"),
            Some(&json!("page"))
        );
    }

    #[test]
    fn error_responses_are_dropped_and_successes_kept() {
        let mut doc = json!({"paths": {"/v1/x/{id}": {"get": {
            "operationId": "x:get",
            "responses": {
                "200": {"description": "ok"},
                "404": {"description": "missing"},
                "422": {"description": "invalid"},
                "default": {"description": "other"}
            }
        }}}});
        let fired = drop_error_responses(&mut doc);
        assert_eq!(fired.len(), 3, "{fired:?}");
        let responses = doc.pointer("/paths/~1v1~1x~1{id}/get/responses").unwrap();
        assert_eq!(
            responses.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["200"]
        );
        assert!(drop_error_responses(&mut doc).is_empty());
    }

    #[test]
    fn two_error_schemas_merge_into_one_component() {
        let content = |name: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        let mut doc = json!({"paths": {"/c": {"get": {"operationId": "c:get", "responses": {
            "200": content("C"), "404": content("NotFound"), "422": content("Invalid"), "401": {"description": "no body"}
        }}}}, "components": {"schemas": {}}});
        let fired = merge_responses(&mut doc);
        assert_eq!(fired.len(), 2, "{fired:?}");
        assert_eq!(
            doc.pointer("/components/schemas/NotFoundOrInvalid"),
            Some(
                &json!({"oneOf": [{"$ref": "#/components/schemas/NotFound"}, {"$ref": "#/components/schemas/Invalid"}]})
            )
        );
        let responses = doc.pointer("/paths/~1c/get/responses").unwrap();
        assert_eq!(
            responses.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["200", "404", "422"]
        );
        assert_eq!(responses["404"], responses["422"]);
        assert_eq!(responses["200"], content("C"));
    }

    #[test]
    fn merged_names_avoid_existing_components_and_inline_schemas_use_the_operation() {
        let inline = |t: &str| json!({"content": {"application/json": {"schema": {"type": t}}}});
        let mut doc = json!({"paths": {"/c": {"patch": {"operationId": "c:update", "responses": {
            "403": inline("string"), "409": inline("object")
        }}}}, "components": {"schemas": {"CUpdateError": {"type": "integer"}}}});
        merge_responses(&mut doc);
        assert_eq!(
            doc.pointer("/components/schemas/CUpdateError"),
            Some(&json!({"type": "integer"}))
        );
        assert_eq!(
            doc.pointer("/components/schemas/CUpdateError2"),
            Some(&json!({"oneOf": [{"type": "string"}, {"type": "object"}]}))
        );
    }

    #[test]
    fn inline_request_bodies_become_components_named_by_title_else_operation() {
        let body = |schema: Value| json!({"content": {"application/json": {"schema": schema}}});
        let union =
            json!({"title": "Session Create", "oneOf": [{"type": "object"}, {"type": "string"}]});
        let mut doc = json!({"paths": {
            "/s": {"post": {"operationId": "s:create", "requestBody": body(union.clone())}},
            "/t": {"post": {"operationId": "t:create", "requestBody": body(json!({"title": "Taken", "type": "object"}))}},
            "/u": {"post": {"operationId": "u:create", "requestBody": body(json!({"$ref": "#/components/schemas/Taken"}))}},
            "/v": {"post": {"operationId": "v:create", "requestBody": body(json!({"type": "integer"}))}}
        }, "components": {"schemas": {"Taken": {"type": "boolean"}, "VCreateBody": {"type": "null"}}}});
        let fired = name_inline_request_bodies(&mut doc);
        assert_eq!(
            fired,
            [
                "s:create: request body named SessionCreate",
                "t:create: request body named TCreateBody",
                "v:create: request body named VCreateBody2",
            ]
        );
        let reference = |op: &str| {
            doc.pointer(&format!(
                "/paths/~1{op}/post/requestBody/content/application~1json/schema/$ref"
            ))
            .cloned()
        };
        assert_eq!(
            reference("s"),
            Some(json!("#/components/schemas/SessionCreate"))
        );
        assert_eq!(reference("u"), Some(json!("#/components/schemas/Taken")));
        assert_eq!(
            doc.pointer("/components/schemas/SessionCreate"),
            Some(&union)
        );
        assert_eq!(
            doc.pointer("/components/schemas/Taken"),
            Some(&json!({"type": "boolean"})),
            "an existing component is never overwritten"
        );
        assert_eq!(
            doc.pointer("/components/schemas/VCreateBody2"),
            Some(&json!({"type": "integer"}))
        );
        assert!(
            name_inline_request_bodies(&mut doc).is_empty(),
            "idempotent"
        );
    }

    #[test]
    fn single_error_schema_is_left_alone() {
        let mut doc = json!({"paths": {"/c": {"post": {"operationId": "c:create", "responses": {
            "201": {"content": {"application/json": {"schema": {"type": "string"}}}},
            "422": {"content": {"application/json": {"schema": {"type": "object"}}}}
        }}}}});
        let before = doc.clone();
        assert!(merge_responses(&mut doc).is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn nullable_required_fields_become_optional_in_response_only_schemas() {
        let body = |name: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        let mut doc = json!({"paths": {"/c": {"post": {"operationId": "c:create", "requestBody": body("In"),
                                                  "responses": {"201": body("Out")}}}},
        "components": {"schemas": {
            "In": {"required": ["a"], "properties": {"a": {"type": "string", "nullable": true}}},
            "Out": {"required": ["a", "b"], "properties": {"a": {"type": "string", "nullable": true},
                                                      "b": {"type": "string"}}}
        }}});
        let fired = relax_nullable_required(&mut doc);
        assert_eq!(fired, ["/components/schemas/Out/properties/a"]);
        assert_eq!(
            doc.pointer("/components/schemas/Out/required"),
            Some(&json!(["b"]))
        );
        assert_eq!(
            doc.pointer("/components/schemas/In/required"),
            Some(&json!(["a"]))
        );
    }

    #[test]
    fn any_of_becomes_one_of() {
        let mut doc =
            doc_with_schemas(json!({"V": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}));
        assert_eq!(any_of_to_one_of(&mut doc), ["/components/schemas/V"]);
        assert_eq!(
            doc.pointer("/components/schemas/V"),
            Some(&json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}))
        );
    }

    #[test]
    fn a_titled_copy_of_a_component_becomes_a_reference_to_it() {
        let mut doc = doc_with_schemas(json!({
            "PaymentProcessor": {"type": "string", "enum": ["stripe"], "title": "PaymentProcessor"},
            "Link": {"properties": {
                "processor": {"type": "string", "enum": ["stripe"], "title": "Payment Processor",
                              "description": "Only Stripe."},
                "maybe": {"type": "string", "enum": ["stripe"], "title": "payment_processor",
                          "nullable": true},
                "other": {"type": "string", "enum": ["paypal"], "title": "Payment Processor"}}}
        }));
        let fired = titled_schemas_to_refs(&mut doc);
        assert_eq!(
            fired,
            [
                "/components/schemas/Link/properties/processor",
                "/components/schemas/Link/properties/maybe"
            ]
        );
        let link = doc.pointer("/components/schemas/Link/properties").unwrap();
        assert_eq!(
            link["processor"],
            json!({"$ref": "#/components/schemas/PaymentProcessor"})
        );
        assert_eq!(
            link["maybe"],
            json!({"allOf": [{"$ref": "#/components/schemas/PaymentProcessor"}], "nullable": true})
        );
        // A different shape under the same name is left for `dedupe_titles`, which drops its title.
        assert_eq!(link["other"]["title"], "Payment Processor");
        dedupe_titles(&mut doc);
        assert!(
            doc.pointer("/components/schemas/Link/properties/other/title")
                .is_none()
        );
    }

    #[test]
    fn names_are_compared_the_way_typify_forms_identifiers() {
        assert_eq!(
            ident_key("Payment Processor"),
            ident_key("PaymentProcessor")
        );
        assert_eq!(ident_key("tax_id"), ident_key("TaxId"));
        assert_eq!(ident_key("2xx"), "x2xx");
        assert_ne!(ident_key("Type"), ident_key("Types"));
    }

    #[test]
    fn titles_shared_by_different_inline_schemas_are_dropped() {
        let mut doc = doc_with_schemas(json!({
            "Individual": {"properties": {"type": {"type": "string", "enum": ["individual"], "title": "Type"},
                                          "same": {"type": "string", "enum": ["a"], "title": "Same"}}},
            "Team": {"properties": {"type": {"type": "string", "enum": ["team"], "title": "Type"},
                                    "same": {"type": "string", "enum": ["a"], "title": "Same"},
                                    "clash": {"type": "object", "title": "Individual"},
                                    "error": {"type": "string", "enum": ["E"], "title": "Error"}},
                     "title": "Team"}
        }));
        let fired = dedupe_titles(&mut doc);
        assert_eq!(fired.len(), 4, "{fired:?}");
        assert!(
            doc.pointer("/components/schemas/Team/properties/error/title")
                .is_none()
        );
        assert!(
            doc.pointer("/components/schemas/Individual/properties/type/title")
                .is_none()
        );
        assert!(
            doc.pointer("/components/schemas/Team/properties/type/title")
                .is_none()
        );
        assert!(
            doc.pointer("/components/schemas/Team/properties/clash/title")
                .is_none()
        );
        assert_eq!(
            doc.pointer("/components/schemas/Team/properties/same/title"),
            Some(&json!("Same"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/Team/title"),
            Some(&json!("Team"))
        );
    }
}
