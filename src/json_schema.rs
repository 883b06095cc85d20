//! `schemars::JsonSchema` for the model types whose JSON shape is written by hand (open enums and
//! [`TaxId`]); the plain structs derive theirs (feature `schemars`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::open_enum::FromWire;
use crate::{TaxId, TaxIdFormat};

/// The schema of an open enum: any string, with the codes this crate knows as `examples` (not a
/// closed `enum`, because unknown codes decode as `Other`).
pub(crate) fn open_enum_schema<T: FromWire>(codes: &[&str]) -> Schema {
    json_schema!({
        "type": "string",
        "description": format!(
            "{}; the known codes are listed in `examples`, any other string is accepted too.",
            capitalized(T::EXPECTING)
        ),
        "examples": codes,
    })
}

/// `text` with its first letter upper-cased (`"a country code string"` → `"A country code string"`).
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `TaxId` is the two-element array `[value, format]`.
impl JsonSchema for TaxId {
    fn schema_name() -> Cow<'static, str> {
        "TaxId".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::TaxId").into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = <(String, TaxIdFormat)>::json_schema(generator);
        schema.insert(
            "description".into(),
            "A tax identifier and its format: `[value, format]`, e.g. `[\"911144442\", \"us_ein\"]`."
                .into(),
        );
        schema
    }
}

/// Adds to `NewCustomer`'s schema the rule its constructors guarantee: an individual has an email.
pub(crate) fn individual_needs_email(schema: &mut Schema) {
    schema.insert(
        "if".into(),
        serde_json::json!({ "properties": { "type": { "const": "individual" } } }),
    );
    schema.insert("then".into(), serde_json::json!({ "required": ["email"] }));
}
