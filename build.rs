//! Build script: runs progenitor over the vendored `openapi.json` into `$OUT_DIR/polar_generated.rs`
//! (positional interface, hooks expected). Nothing else; the spec itself is made by `cargo xtask`.

use std::path::PathBuf;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle};

const SPEC: &str = "openapi.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text = std::fs::read_to_string(SPEC)
        .unwrap_or_else(|e| panic!("cannot read {SPEC} (run `cargo xtask refresh-spec`): {e}"));
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{SPEC} is not a valid OpenAPI 3.0 document: {e}"));

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_hooks(HooksMode::Expected)
        // Per-client state the hooks read: credentials, version, timeouts, retry policy.
        .with_inner_type(quote::quote!(crate::client::ClientState))
        // Responses decode into our forward-compatible `Customer` (unknown countries, tax-id
        // formats and customer types stay readable) instead of the generated closed enums.
        .with_replacement("Customer", "crate::customer::Customer", std::iter::empty())
        // The lifecycle's responses, likewise (keys are typify's names for the spec's schemas).
        .with_replacement(
            "CustomerState",
            "crate::customers::state::CustomerState",
            std::iter::empty(),
        )
        .with_replacement("Member", "crate::members::Member", std::iter::empty())
        .with_replacement(
            "CustomerSession",
            "crate::sessions::CustomerSession",
            std::iter::empty(),
        )
        // Request bodies are our builders, which serialize exactly what Polar expects (a cleared
        // field as `null`, which the generated types cannot send), validated before they are sent.
        .with_replacement(
            "CustomerCreate",
            "crate::new_customer::NewCustomer",
            std::iter::empty(),
        )
        .with_replacement(
            "CustomerUpdate",
            "crate::customers::update::CustomerUpdate",
            std::iter::empty(),
        )
        .with_replacement(
            "CustomerUpdateExternalId",
            "crate::customers::update::ExternalIdCustomerUpdate",
            std::iter::empty(),
        )
        .with_replacement(
            "MemberCreateFromCustomer",
            "crate::members::NewMember",
            std::iter::empty(),
        )
        .with_replacement(
            "MemberUpdate",
            "crate::members::MemberUpdate",
            std::iter::empty(),
        )
        .with_replacement(
            "CustomerSessionCreate",
            "crate::sessions::NewCustomerSession",
            std::iter::empty(),
        );
    let tokens = Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor could not generate a client from {SPEC}: {e}"));
    let file: syn::File = syn::parse2(tokens)
        .unwrap_or_else(|e| panic!("progenitor produced unparsable code for {SPEC}: {e}"));

    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = PathBuf::from(out_dir).join("polar_generated.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
