//! `schemars::JsonSchema` for the model types whose JSON shape is written by hand (open enums,
//! [`TaxId`], the [`CustomerUpdate`] and [`NewCustomerSession`] request bodies); the plain structs
//! derive theirs (feature `schemars`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{CustomerUpdate, MetadataValue, NewAddress, NewCustomerSession, TaxId, TaxIdFormat};

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

/// `CustomerUpdate` is the PATCH body: every field optional, `null` only where Polar clears it.
impl JsonSchema for CustomerUpdate {
    fn schema_name() -> Cow<'static, str> {
        "CustomerUpdate".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::CustomerUpdate").into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let address = generator.subschema_for::<NewAddress>();
        let metadata_value = generator.subschema_for::<MetadataValue>();
        json_schema!({
            "description": "The changes to a customer (the body of the customer update request): fields left out stay unchanged, `null` clears name, tax ID or locale.",
            "type": "object",
            "properties": {
                "email": { "type": "string" },
                "name": { "type": ["string", "null"], "maxLength": 256 },
                "billing_address": address,
                "tax_id": { "type": ["string", "null"] },
                "locale": { "type": ["string", "null"] },
                "metadata": { "type": "object", "maxProperties": 50, "additionalProperties": metadata_value },
                "external_id": { "type": "string" },
                "type": { "const": "team" }
            },
            "additionalProperties": false
        })
    }
}

/// `NewCustomerSession` names exactly one customer (by ID or external ID) and at most one member.
impl JsonSchema for NewCustomerSession {
    fn schema_name() -> Cow<'static, str> {
        "NewCustomerSession".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::NewCustomerSession").into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one_of = |a: &str, b: &str| {
            serde_json::json!([
                { "required": [a], "not": { "required": [b] } },
                { "required": [b], "not": { "required": [a] } }
            ])
        };
        json_schema!({
            "description": "A customer portal session to create (the body of the customer session request): one of `customer_id` and `external_customer_id`, at most one of `member_id` and `external_member_id`.",
            "type": "object",
            "properties": {
                "customer_id": { "type": "string", "format": "uuid" },
                "external_customer_id": { "type": "string", "minLength": 1 },
                "member_id": { "type": "string", "format": "uuid" },
                "external_member_id": { "type": "string", "minLength": 1 },
                "return_url": { "type": "string", "format": "uri", "minLength": 1, "maxLength": 2083 }
            },
            "additionalProperties": false,
            "oneOf": one_of("customer_id", "external_customer_id"),
            "not": { "required": ["member_id", "external_member_id"] }
        })
    }
}
