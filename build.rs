//! Build script: runs progenitor over the vendored `openapi.json` into `$OUT_DIR/polar_generated.rs`
//! (positional interface, hooks expected), after dropping the schemas no operation reaches, then
//! has the generated methods take their URLs from the client state (`build/urls.rs`). The spec
//! itself is made by `cargo xtask`.

use std::path::PathBuf;

use heck::ToPascalCase;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle};

#[path = "build/reach.rs"]
mod reach;
#[path = "build/urls.rs"]
mod urls;

const SPEC: &str = "openapi.json";

/// The spec's schemas the crate replaces with its own types: (name in `openapi.json`, Rust path).
/// Each is generated as that path instead of a type, and, for the pruning, is a leaf: the schemas
/// only it refers to are not generated at all.
const REPLACEMENTS: &[(&str, &str)] = &[
    // Responses decode into our forward-compatible types (unknown countries, tax-id formats and
    // customer types stay readable) instead of the generated closed enums.
    ("Customer", "crate::customers::customer::Customer"),
    ("CustomerState", "crate::customers::state::CustomerState"),
    ("Member", "crate::members::Member"),
    ("CustomerSession", "crate::sessions::CustomerSession"),
    // Request bodies are our builders, which serialize exactly what Polar expects (a cleared
    // field as `null`, which the generated types cannot send), validated before they are sent.
    (
        "CustomerCreate",
        "crate::customers::new_customer::NewCustomer",
    ),
    (
        "CustomerUpdate",
        "crate::customers::customer_update::CustomerUpdate",
    ),
    (
        "CustomerUpdateExternalID",
        "crate::customers::customer_update::ExternalIdCustomerUpdate",
    ),
    ("MemberCreateFromCustomer", "crate::members::NewMember"),
    ("MemberUpdate", "crate::members::MemberUpdate"),
    (
        "CustomerSessionCreate",
        "crate::sessions::NewCustomerSession",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");

    let text = std::fs::read_to_string(SPEC)
        .unwrap_or_else(|e| panic!("cannot read {SPEC} (run `cargo xtask refresh-spec`): {e}"));

    let mut spec: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SPEC} is not valid JSON: {e}"));
    let replaced: Vec<&str> = REPLACEMENTS.iter().map(|(schema, _)| *schema).collect();
    reach::keep_reachable_schemas(&mut spec, &replaced)
        .unwrap_or_else(|e| panic!("cannot prune {SPEC} (see REPLACEMENTS in build.rs): {e}"));
    let spec: openapiv3::OpenAPI = serde_json::from_value(spec)
        .unwrap_or_else(|e| panic!("{SPEC} is not a valid OpenAPI 3.0 document: {e}"));

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_hooks(HooksMode::Expected)
        // Per-client state the hooks read: credentials, version, timeouts, retry policy.
        .with_inner_type(quote::quote!(crate::core::state::ClientState));
    for (schema, rust) in REPLACEMENTS {
        // typify names a component schema's type by its name in PascalCase.
        settings.with_replacement(schema.to_pascal_case(), rust, std::iter::empty());
    }
    let tokens = Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor could not generate a client from {SPEC}: {e}"));

    // The token stream as is, not pretty-printed: nobody edits this file, and formatting it would
    // cost every user's build `prettyplease` and a parse of the whole client.
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = PathBuf::from(out_dir).join("polar_generated.rs");
    let code = urls::path_only_urls(&tokens.to_string())
        .unwrap_or_else(|e| panic!("cannot route the generated URLs through the client: {e}"));
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
