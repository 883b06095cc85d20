//! Shared set-up of the pipeline tests: scratch repository roots, small fixture specs, and the
//! types progenitor generates from a converted spec (with the settings `build.rs` uses).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use serde_json::{Value, json};
use xtask::Options;

/// The checkout under test (found from the current directory, as the command does).
pub fn repo() -> PathBuf {
    xtask::repo_root().unwrap()
}

/// Polar's whole 2026-04 spec: the byte-exact snapshot committed in `spec/`.
pub fn upstream_path() -> PathBuf {
    repo().join("spec/upstream-2026-04.json")
}

/// Fails with the command's stderr unless it succeeded.
pub fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// A scratch repository root holding the operation list and `src/core/state.rs` (and, if asked, the
/// committed spec files).
pub fn scratch_root(name: &str, with_committed: bool) -> PathBuf {
    let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["xtask", "spec", "src/core"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    for file in ["xtask/operations.txt", "src/core/state.rs"] {
        std::fs::copy(repo().join(file), root.join(file)).unwrap();
    }
    if with_committed {
        for file in [
            "openapi.json",
            "spec/upstream-2026-04.json",
            "spec/upstream-2026-04.source",
        ] {
            std::fs::copy(repo().join(file), root.join(file)).unwrap();
        }
    }
    root
}

/// A small upstream (3.1) spec: some component schemas and operations using them.
pub struct Fixture {
    doc: Value,
    operations: Vec<String>,
}

impl Fixture {
    pub fn new(version: &str) -> Self {
        let doc = json!({"openapi": "3.1.0", "info": {"title": "Fixture", "version": version},
                         "paths": {}, "components": {"schemas": {}}});
        Self {
            doc,
            operations: Vec::new(),
        }
    }

    /// `GET /v1/<id>` answering `response`, with `schemas` added to the components.
    pub fn get(self, id: &str, response: &str, schemas: Value) -> Self {
        let operation = json!({"operationId": id, "responses": {"200": body(response)}});
        self.with(id, "get", operation, schemas)
    }

    /// `POST /v1/<id>` taking `request` and answering `response`.
    pub fn post(self, id: &str, request: &str, response: &str, schemas: Value) -> Self {
        let operation = json!({"operationId": id, "requestBody": body(request),
                               "responses": {"201": body(response)}});
        self.with(id, "post", operation, schemas)
    }

    fn with(mut self, id: &str, method: &str, operation: Value, schemas: Value) -> Self {
        self.doc["paths"][format!("/v1/{id}")][method] = operation;
        for (name, schema) in schemas.as_object().unwrap() {
            self.doc["components"]["schemas"][name] = schema.clone();
        }
        self.operations.push(id.to_string());
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.doc).unwrap()
    }

    /// Conversion options listing every operation of the fixture.
    pub fn options(&self) -> Options {
        Options {
            source: "fixture".into(),
            api_version: self.doc["info"]["version"].as_str().unwrap().into(),
            operations: self.operations.clone(),
        }
    }
}

fn body(schema: &str) -> Value {
    json!({"description": "body", "content": {"application/json": {
        "schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// Writes the fixture as `<root>/upstream.json` and its operations as `xtask/operations.txt`.
pub fn write_fixture(root: &Path, fixture: &Fixture) {
    std::fs::write(root.join("upstream.json"), fixture.bytes()).unwrap();
    std::fs::write(
        root.join("xtask/operations.txt"),
        fixture.operations.join("\n") + "\n",
    )
    .unwrap();
}

/// The code progenitor generates from a converted spec, with build.rs's interface settings.
pub fn generate(spec_text: &str) -> String {
    let spec: openapiv3::OpenAPI = serde_json::from_str(spec_text).unwrap();
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_hooks(progenitor::HooksMode::Expected);
    progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap()
        .to_string()
}

/// Each struct, enum and alias of the generated `types` module, by name, as its token text without
/// doc comments (which copy of a shared description typify keeps does not change the type).
pub fn type_definitions(code: &str) -> BTreeMap<String, String> {
    let file = syn::parse_file(code).unwrap();
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .expect("a `types` module");
    types
        .1
        .iter()
        .filter_map(|item| {
            let mut item = item.clone();
            let name = match &mut item {
                syn::Item::Struct(s) => {
                    undocument(&mut s.attrs);
                    s.fields.iter_mut().for_each(|f| undocument(&mut f.attrs));
                    s.ident.to_string()
                }
                syn::Item::Enum(e) => {
                    undocument(&mut e.attrs);
                    for variant in &mut e.variants {
                        undocument(&mut variant.attrs);
                        variant
                            .fields
                            .iter_mut()
                            .for_each(|f| undocument(&mut f.attrs));
                    }
                    e.ident.to_string()
                }
                syn::Item::Type(t) => {
                    undocument(&mut t.attrs);
                    t.ident.to_string()
                }
                _ => return None,
            };
            Some((name, item.to_token_stream().to_string()))
        })
        .collect()
}

fn undocument(attrs: &mut Vec<syn::Attribute>) {
    attrs.retain(|a| !a.path().is_ident("doc"));
}
