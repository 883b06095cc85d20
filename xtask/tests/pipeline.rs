//! End-to-end tests of the spec pipeline: determinism, check-spec, validity of `openapi.json`, and
//! the converter on every operation of Polar's spec through progenitor's generator.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::{Options, check, convert, read_operation_list, refresh, repo_root, select};

/// Polar's upstream spec: `../shared/polar-api/…` beside the repository (as in CI), else the
/// byte-identical snapshot committed in `spec/`.
fn upstream_path() -> PathBuf {
    let shared = repo_root().join("../shared/polar-api/openapi-2026-04.json");
    if shared.exists() {
        shared
    } else {
        repo_root().join("spec/upstream-2026-04.json")
    }
}

/// A scratch repository root holding the operation list (and, if asked, the committed spec files).
fn scratch_root(name: &str, with_committed: bool) -> PathBuf {
    let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("xtask")).unwrap();
    std::fs::create_dir_all(root.join("spec")).unwrap();
    std::fs::copy(
        repo_root().join("xtask/operations.txt"),
        root.join("xtask/operations.txt"),
    )
    .unwrap();
    if with_committed {
        for file in [
            "openapi.json",
            "spec/upstream-2026-04.json",
            "spec/upstream-2026-04.source",
        ] {
            std::fs::copy(repo_root().join(file), root.join(file)).unwrap();
        }
    }
    root
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn refresh_twice_is_byte_identical_and_snapshot_is_exact() {
    let root = scratch_root("refresh", false);
    let source = upstream_path();
    let source = source.to_str().unwrap();
    refresh(&root, source, "2026-04").unwrap();
    let first = read(&root.join("openapi.json"));
    let summary = refresh(&root, source, "2026-04").unwrap();
    assert_eq!(first, read(&root.join("openapi.json")));
    assert_eq!(summary[0], "no changes");
    assert_eq!(
        read(&root.join("spec/upstream-2026-04.json")),
        read(&upstream_path())
    );
    assert!(first.ends_with(b"}\n"));
    check(&root).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn committed_openapi_json_is_up_to_date() {
    check(&repo_root()).unwrap();
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

    std::fs::copy(repo_root().join("openapi.json"), &path).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check-spec")
        .env("XTASK_ROOT", &root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn openapi_json_is_valid_3_0_3_with_exactly_the_listed_operations() {
    let text = std::fs::read_to_string(repo_root().join("openapi.json")).unwrap();
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap();
    assert_eq!(spec.openapi, "3.0.3");
    let ids: BTreeSet<String> = spec
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    let listed: BTreeSet<String> = read_operation_list(&repo_root())
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(ids, listed);
    assert!(listed.contains("customers:create") && listed.contains("customers:get_external"));
}

#[test]
fn every_upstream_operation_converts_and_progenitor_generates() {
    let upstream = read(&upstream_path());
    let all = select::all_operation_ids(&serde_json::from_slice(&upstream).unwrap());
    assert!(
        all.len() > 100,
        "expected Polar's whole spec, found {} operations",
        all.len()
    );
    let options = Options {
        source: "test".into(),
        api_version: "2026-04".into(),
        operations: all.clone(),
    };
    let conversion = convert(&upstream, &options).unwrap();
    let spec: openapiv3::OpenAPI = serde_json::from_str(&conversion.text).unwrap();
    assert_eq!(spec.operations().count(), all.len());

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_hooks(progenitor::HooksMode::Expected);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap();
    assert!(tokens.to_string().contains("customers_create"));
}
