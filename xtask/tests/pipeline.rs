//! End-to-end tests of the spec pipeline: determinism, check-spec, validity of `openapi.json`,
//! the whole upstream spec through progenitor, and the refresh command on small fixture specs
//! (each one a case the pipeline once got wrong).

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::{Value, json};
use support::{
    Fixture, assert_success, generate, read, repo, scratch_root, type_definitions, upstream_path,
    write_fixture,
};
use xtask::{Options, Refresh, check, convert, read_operation_list, refresh, select};

fn refresh_request(from: &std::path::Path, api_version: &str) -> Refresh {
    Refresh {
        from: from.display().to_string(),
        origin: "https://api.polar.sh/test/openapi.json".into(),
        api_version: api_version.into(),
    }
}

#[test]
fn refresh_twice_is_byte_identical_and_snapshot_is_exact() {
    let root = scratch_root("refresh", false);
    let request = refresh_request(&upstream_path(), "2026-04");
    refresh(&root, &request).unwrap();
    let first = read(&root.join("openapi.json"));
    let summary = refresh(&root, &request).unwrap();
    assert_eq!(first, read(&root.join("openapi.json")));
    assert_eq!(summary, ["no changes"]);
    assert_eq!(
        read(&root.join("spec/upstream-2026-04.json")),
        read(&upstream_path())
    );
    assert_eq!(
        read(&root.join("spec/upstream-2026-04.source")),
        b"https://api.polar.sh/test/openapi.json\n"
    );
    assert!(first.ends_with(b"}\n"));
    check(&root).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn committed_openapi_json_is_up_to_date() {
    check(&repo()).unwrap();
}

#[test]
fn committed_provenance_names_the_public_origin() {
    let text = std::fs::read_to_string(repo().join("spec/upstream-2026-04.source")).unwrap();
    assert!(text.contains("polarsource/polar"), "{text}");
    assert!(!text.contains("shared"), "{text}");
}

#[test]
fn check_spec_fails_and_names_the_difference_after_a_hand_edit() {
    let root = scratch_root("check", true);
    let path = root.join("openapi.json");
    let edited = String::from_utf8(read(&path)).unwrap().replacen(
        "\"Customer created.\"",
        "\"Customer made.\"",
        1,
    );
    std::fs::write(&path, edited).unwrap();

    let err = check(&root).unwrap_err();
    assert!(
        err.contains("/paths/~1v1~1customers~1/post/responses/201/description"),
        "{err}"
    );
    assert!(err.contains("Customer made."), "{err}");

    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check-spec")
        .env("XTASK_ROOT", &root)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Customer made."));

    std::fs::copy(repo().join("openapi.json"), &path).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check-spec")
        .env("XTASK_ROOT", &root)
        .output()
        .unwrap();
    assert_success(&output);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn openapi_json_is_valid_3_0_3_with_exactly_the_listed_operations() {
    let text = std::fs::read_to_string(repo().join("openapi.json")).unwrap();
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap();
    assert_eq!(spec.openapi, "3.0.3");
    let ids: BTreeSet<String> = spec
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    let listed: BTreeSet<String> = read_operation_list(&repo()).unwrap().into_iter().collect();
    assert_eq!(ids, listed);
    assert!(listed.contains("customers:create") && listed.contains("customers:get_external"));
}

/// Every operation converts, validates and generates with no `regress` reference and no type
/// defined twice (what used to break the whole-API build). `cargo xtask check-whole-api` compiles it.
#[test]
fn every_upstream_operation_converts_and_generates_code_that_needs_no_extra_crate() {
    let upstream = read(&upstream_path());
    let all = select::all_operation_ids(&serde_json::from_slice(&upstream).unwrap());
    assert_eq!(all.len(), 186, "Polar's whole 2026-04 spec");
    let options = Options {
        source: "test".into(),
        api_version: "2026-04".into(),
        operations: all.clone(),
    };
    let conversion = convert(&upstream, &options).unwrap();
    let code = generate(&conversion.text);
    assert!(code.contains("fn customers_create"));
    assert!(
        !code.contains("regress"),
        "generated code needs the regress crate"
    );
    let types = type_definitions(&code);
    assert!(types.len() > 900, "{} types", types.len());
    assert!(types.contains_key("PaymentProcessor"));
}

/// Adding operations to the customer operations (the four `organizations:*` ones, then every
/// other operation) renames no type the customer operations already had and changes none of
/// their definitions.
#[test]
fn adding_operations_never_renames_or_changes_a_generated_type() {
    let upstream = read(&upstream_path());
    let listed = read_operation_list(&repo()).unwrap();
    let generated = |operations: Vec<String>| {
        let options = Options {
            source: "test".into(),
            api_version: "2026-04".into(),
            operations,
        };
        type_definitions(&generate(&convert(&upstream, &options).unwrap().text))
    };
    let before = generated(listed.clone());
    for name in [
        "CountryAlpha2Input",
        "AddressInput",
        "CustomerIndividualCreateType",
    ] {
        assert!(
            before.contains_key(name),
            "{name} is generated for customers"
        );
    }
    let mut organizations = listed;
    organizations
        .extend(["list", "create", "get", "update"].map(|op| format!("organizations:{op}")));
    let all = select::all_operation_ids(&serde_json::from_slice(&upstream).unwrap());
    for more in [organizations, all] {
        let after = generated(more);
        for (name, definition) in &before {
            assert_eq!(after.get(name), Some(definition), "{name} changed");
        }
        assert!(after.len() > before.len());
    }
}

// ---- fixture specs: each case the pipeline once got wrong --------------------------------------

/// A `pattern` is recorded and dropped: typify would validate it with `regress`.
#[test]
fn a_pattern_is_recorded_and_generates_no_regress_code() {
    let fixture = Fixture::new("2026-04").get(
        "slugs:get",
        "Slug",
        json!({"Slug": {"type": "object", "required": ["slug"], "properties": {
            "slug": {"type": "string", "pattern": "^[a-z0-9-]+$", "title": "Slug Value"}}}}),
    );
    let conversion = convert(&fixture.bytes(), &fixture.options()).unwrap();
    let slug = conversion
        .spec
        .pointer("/components/schemas/Slug/properties/slug")
        .unwrap();
    assert_eq!(slug.get("pattern"), None);
    assert_eq!(slug["x-pattern"], "^[a-z0-9-]+$");
    assert_eq!(
        conversion
            .spec
            .pointer("/info/x-polar-client-provenance/fixups/drop-patterns"),
        Some(&json!(["/components/schemas/Slug/properties/slug"]))
    );
    assert!(!generate(&conversion.text).contains("regress"));
}

/// A title with a space (`Payment Processor`) names the same Rust type as the component
/// `PaymentProcessor`: the title is dropped, the type is defined once, as the component.
#[test]
fn a_spaced_title_that_clashes_with_a_component_is_dropped() {
    let fixture = Fixture::new("2026-04").get(
        "payments:get",
        "Payment",
        json!({
            "PaymentProcessor": {"type": "string", "enum": ["stripe"]},
            "Payment": {"type": "object", "properties": {
                "processor": {"$ref": "#/components/schemas/PaymentProcessor"},
                "method": {"type": "string", "enum": ["card", "bank"], "title": "Payment Processor"}}}
        }),
    );
    let conversion = convert(&fixture.bytes(), &fixture.options()).unwrap();
    let code = generate(&conversion.text);
    assert_eq!(
        code.matches("pub enum PaymentProcessor ").count(),
        1,
        "{code}"
    );
    let types = type_definitions(&code);
    assert!(types["PaymentProcessor"].contains("Stripe"));
    assert!(!types["PaymentProcessor"].contains("Card"));
}

/// A 3.1 `type` array is converted; a 3.1 construct the converter does not know stops the refresh
/// naming its JSON path and keyword, and nothing is written.
#[test]
fn a_type_array_converts_and_an_unknown_3_1_construct_fails_with_its_path() {
    let fixture = Fixture::new("2026-04").get(
        "notes:get",
        "Note",
        json!({"Note": {"type": "object", "properties": {"text": {"type": ["string", "null"]}}}}),
    );
    let conversion = convert(&fixture.bytes(), &fixture.options()).unwrap();
    assert_eq!(
        conversion
            .spec
            .pointer("/components/schemas/Note/properties/text"),
        Some(&json!({"type": "string", "nullable": true}))
    );
    let text: openapiv3::OpenAPI = serde_json::from_str(&conversion.text).unwrap();
    assert_eq!(text.openapi, "3.0.3");

    let fixture = Fixture::new("2026-04").get(
        "notes:get",
        "Note",
        json!({"Note": {"type": "object", "properties": {
            "text": {"type": "string", "$defs": {"x": {}}}}}}),
    );
    let root = scratch_root("unknown-3-1", false);
    write_fixture(&root, &fixture);
    let err = refresh(
        &root,
        &refresh_request(&root.join("upstream.json"), "2026-04"),
    )
    .unwrap_err();
    assert!(
        err.contains("/components/schemas/Note/properties/text: `$defs` (3.1 keyword)"),
        "{err}"
    );
    assert!(!root.join("openapi.json").exists());
    assert!(!root.join("spec/upstream-2026-04.json").exists());
    assert!(!root.join("spec/upstream-2026-04.source").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

/// An operation that brings a schema whose inline title (`Kind`) clashes with one the listed
/// operation already uses does not rename the listed operation's type.
#[test]
fn an_operation_adding_a_clashing_title_renames_nothing() {
    let fixture = Fixture::new("2026-04")
        .get(
            "cats:get",
            "Cat",
            json!({"Cat": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["cat"], "title": "Kind"}}}}),
        )
        .get(
            "dogs:get",
            "Dog",
            json!({"Dog": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["dog"], "title": "Kind"}}}}),
        );
    let types = |operations: &[&str]| {
        let mut options = fixture.options();
        options.operations = operations.iter().map(|o| o.to_string()).collect();
        type_definitions(&generate(
            &convert(&fixture.bytes(), &options).unwrap().text,
        ))
    };
    let cats = types(&["cats:get"]);
    let both = types(&["cats:get", "dogs:get"]);
    for (name, definition) in &cats {
        assert_eq!(both.get(name), Some(definition), "{name} changed");
    }
    assert!(cats.keys().any(|name| name.starts_with("Cat")), "{cats:?}");
}

/// The summary of a refresh from v1 to v2 (a request union flattened into one object, a changed
/// enum, a newly required field) names each change.
#[test]
fn the_refresh_summary_names_what_changed() {
    let v1 = Fixture::new("2026-04")
        .post(
            "things:create",
            "ThingCreate",
            "Thing",
            json!({
                "ThingCreate": {"oneOf": [{"$ref": "#/components/schemas/SmallThing"},
                                          {"$ref": "#/components/schemas/BigThing"}]},
                "SmallThing": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                "BigThing": {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer"}}},
                "Thing": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string"},
                    "email": {"type": "string"},
                    "status": {"type": "string", "enum": ["active", "archived"]}}}
            }),
        );
    let v2 = Fixture::new("2026-04").post(
        "things:create",
        "ThingCreate",
        "Thing",
        json!({
            "ThingCreate": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "size": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}},
            "Thing": {"type": "object", "required": ["id", "email"], "properties": {
                "id": {"type": "string"},
                "email": {"type": "string"},
                "status": {"type": "string", "enum": ["active", "deleted"]}}}
        }),
    );
    let root = scratch_root("summary", false);
    write_fixture(&root, &v1);
    let request = refresh_request(&root.join("upstream.json"), "2026-04");
    refresh(&root, &request).unwrap();
    write_fixture(&root, &v2);
    let summary = refresh(&root, &request).unwrap();
    assert_eq!(
        summary,
        [
            "- schema BigThing",
            "- schema SmallThing",
            "Thing.email: now required",
            "Thing.status: + enum value \"deleted\"",
            "Thing.status: - enum value \"archived\"",
            "ThingCreate: type union -> object",
            "ThingCreate: - union member BigThing",
            "ThingCreate: - union member SmallThing",
            "ThingCreate: + field name (required, string)",
            "ThingCreate: + field size (optional, integer)",
        ]
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A spec whose `info.version` is not `--api-version` is refused; a missing operation names
/// `xtask/operations.txt`; neither leaves a file behind.
#[test]
fn a_refresh_that_fails_writes_nothing_and_says_why() {
    let root = scratch_root("hygiene", false);
    let fixture =
        Fixture::new("2026-10").get("things:get", "Thing", json!({"Thing": {"type": "object"}}));
    write_fixture(&root, &fixture);
    let from = root.join("upstream.json");
    let err = refresh(&root, &refresh_request(&from, "2026-04")).unwrap_err();
    assert!(
        err.contains("API version \"2026-10\" but --api-version is \"2026-04\""),
        "{err}"
    );

    std::fs::write(
        root.join("xtask/operations.txt"),
        "things:get\nthings:gone\n",
    )
    .unwrap();
    let err = refresh(&root, &refresh_request(&from, "2026-10")).unwrap_err();
    assert!(err.contains("xtask/operations.txt"), "{err}");
    assert!(err.contains("things:gone"), "{err}");

    let spec_dir: Vec<_> = std::fs::read_dir(root.join("spec")).unwrap().collect();
    assert!(spec_dir.is_empty(), "{spec_dir:?}");
    assert!(!root.join("openapi.json").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

/// Moving to a version other than the crate's `DEFAULT_API_VERSION` (read from `src/core/state.rs`)
/// is flagged.
#[test]
fn a_refresh_to_another_version_than_the_crates_default_warns() {
    let root = scratch_root("version-warning", false);
    std::fs::write(
        root.join("src/core/state.rs"),
        "/// Doc.\npub const DEFAULT_API_VERSION: &str = \"2026-04\";\n",
    )
    .unwrap();
    let fixture =
        Fixture::new("2026-10").get("things:get", "Thing", json!({"Thing": {"type": "object"}}));
    write_fixture(&root, &fixture);
    let summary = refresh(
        &root,
        &refresh_request(&root.join("upstream.json"), "2026-10"),
    )
    .unwrap();
    let warning = summary.last().unwrap();
    assert!(
        warning.starts_with("warning: openapi.json is now API version 2026-10"),
        "{warning}"
    );
    assert!(
        warning.contains("DEFAULT_API_VERSION is \"2026-04\""),
        "{warning}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// The command works on the checkout it is run from (found from the current directory), not the
/// one it was compiled in.
#[test]
fn the_command_writes_into_the_checkout_it_runs_in() {
    let root = scratch_root("cwd", false);
    let fixture = Fixture::new("2026-04").get(
        "things:get",
        "Thing",
        json!({"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}),
    );
    write_fixture(&root, &fixture);
    let before = read(&repo().join("openapi.json"));
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "refresh-spec",
            "--from",
            "../upstream.json",
            "--origin",
            "test origin",
        ])
        .current_dir(root.join("xtask"))
        .env_remove("XTASK_ROOT")
        .output()
        .unwrap();
    assert_success(&output);
    let written: Value = serde_json::from_slice(&read(&root.join("openapi.json"))).unwrap();
    assert_eq!(
        written.pointer("/info/x-polar-client-provenance/source"),
        Some(&json!("test origin"))
    );
    assert_eq!(read(&repo().join("openapi.json")), before);
    std::fs::remove_dir_all(&root).unwrap();
}
