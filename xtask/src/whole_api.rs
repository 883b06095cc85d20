//! `cargo xtask check-whole-api`: proves that every operation of the vendored upstream spec is one
//! line of `xtask/operations.txt` away. It converts ALL operations of the committed snapshot with
//! the same pipeline as `refresh-spec`, puts the result in a copy of the crate (its `build.rs`,
//! `src/`, `Cargo.toml` and `Cargo.lock`) under `target/whole-api/`, and builds that copy's library
//! offline, so the generated client and the hand-written code compile against the whole API.
//!
//! The copy keeps its own target directory (`target/whole-api/target`): the first run builds the
//! dependencies too; later runs rebuild only the crate.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::build_cost::{cargo, generated_bytes, kib, remove, timed_build, write};
use crate::{Options, convert, select, source};

/// What the whole-API build showed.
#[derive(Debug)]
pub struct Report {
    /// Operations in the upstream spec (all of them were listed).
    pub operations: usize,
    /// Schemas in the converted whole-API spec.
    pub schemas: usize,
    /// Size in bytes of the generated client.
    pub generated_bytes: usize,
    /// Wall time of `cargo build --lib` of the copy.
    pub build: Duration,
}

impl Report {
    /// One line for CI logs and the maintainer.
    pub fn line(&self) -> String {
        format!(
            "whole API: {n}/{n} operations, {} schemas, {} of generated code, cargo build {:.1} s",
            self.schemas,
            kib(self.generated_bytes),
            self.build.as_secs_f64(),
            n = self.operations,
        )
    }
}

/// Converts every operation of the snapshot of `api_version` and builds the crate copy.
///
/// # Errors
/// When the snapshot cannot be read or converted, the copy cannot be written, or it does not build
/// (cargo's errors are printed above).
pub fn check(root: &Path, api_version: &str) -> Result<Report, String> {
    let (upstream, origin) = source::read_snapshot(root, api_version)?;
    let doc: Value = serde_json::from_slice(&upstream).map_err(|e| {
        format!(
            "{} is not JSON: {e}",
            source::snapshot_rel_path(api_version)
        )
    })?;
    let operations = select::all_operation_ids(&doc);
    let options = Options {
        source: origin,
        api_version: api_version.to_string(),
        operations,
    };
    let conversion = convert(&upstream, &options)?;
    let schemas = conversion
        .spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |s| s.len());

    let scratch = root.join("target").join("whole-api");
    let copy = scratch.join("crate");
    write_copy(root, &copy, &conversion.text)?;
    let target = scratch.join("target");
    let build = timed_build(
        "the whole-API client (target/whole-api/crate)",
        Command::new(cargo())
            .args(["build", "--quiet", "--offline", "--lib", "--manifest-path"])
            .arg(copy.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target),
    )?;
    Ok(Report {
        operations: options.operations.len(),
        schemas,
        generated_bytes: generated_bytes(&target)?,
        build: build.wall,
    })
}

/// The files of the crate the copy takes from the repository (`src/` and `build/` are copied whole;
/// `docs/` because `src/lib.rs` includes its pages for doctests).
const COPIED: &[&str] = &[
    "build.rs",
    "build",
    "Cargo.lock",
    "README.md",
    "src",
    "docs",
];

/// Writes the crate copy at `dir` with `spec` as its `openapi.json`; stale files are removed first.
fn write_copy(root: &Path, dir: &Path, spec: &str) -> Result<(), String> {
    remove(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in COPIED {
        copy_tree(&root.join(name), &dir.join(name))?;
    }
    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    write(&dir.join("Cargo.toml"), &standalone_manifest(&manifest)?)?;
    write(&dir.join("openapi.json"), spec)
}

/// The crate's manifest without its workspace members (the copy is a workspace of its own) and
/// without its `[dev-dependencies]`: only the library is built, and they name path crates of the
/// workspace (the mock) that the copy does not hold.
fn standalone_manifest(manifest: &str) -> Result<String, String> {
    let is_members = |line: &&str| line.trim_start().starts_with("members");
    if !manifest.lines().any(|line| is_members(&line)) {
        return Err(
            "Cargo.toml has no `members = […]` line in [workspace]: update \
             xtask/src/whole_api.rs to the new layout"
                .into(),
        );
    }
    let mut in_dev_dependencies = false;
    let mut out: String = manifest
        .lines()
        .filter(|line| {
            if line.starts_with('[') {
                in_dev_dependencies = line.trim() == "[dev-dependencies]";
            }
            !in_dev_dependencies && !is_members(line)
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    Ok(out)
}

/// Copies a file, or a directory recursively.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_file() {
        return std::fs::copy(from, to)
            .map(drop)
            .map_err(|e| format!("cannot copy {}: {e}", from.display()));
    }
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let name: PathBuf = entry.file_name().into();
        copy_tree(&entry.path(), &to.join(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_its_own_workspace() {
        let manifest = "[package]\nname = \"p\"\n\n[workspace]\nmembers = [\"xtask\"]\nresolver = \"3\"\n\n\
                        [dev-dependencies]\nmock = { path = \"mock\" }\n\n[features]\nx = []\n";
        assert_eq!(
            standalone_manifest(manifest).unwrap(),
            "[package]\nname = \"p\"\n\n[workspace]\nresolver = \"3\"\n\n[features]\nx = []\n"
        );
        assert!(standalone_manifest("[package]\n").is_err());
    }

    #[test]
    fn the_copy_holds_the_crate_and_the_given_spec() {
        let base = std::env::temp_dir().join(format!("xtask-whole-api-{}", std::process::id()));
        let (root, copy) = (base.join("root"), base.join("copy"));
        std::fs::create_dir_all(root.join("src/nested")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        for file in [
            "build.rs",
            "build/reach.rs",
            "Cargo.lock",
            "README.md",
            "src/lib.rs",
            "src/nested/a.rs",
        ] {
            std::fs::write(root.join(file), file).unwrap();
        }
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"xtask\"]\n",
        )
        .unwrap();
        std::fs::create_dir_all(copy.join("src")).unwrap();
        std::fs::write(copy.join("src/stale.rs"), "old").unwrap();

        write_copy(&root, &copy, "{}\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(copy.join("src/nested/a.rs")).unwrap(),
            "src/nested/a.rs"
        );
        assert_eq!(
            std::fs::read_to_string(copy.join("build/reach.rs")).unwrap(),
            "build/reach.rs"
        );
        assert_eq!(
            std::fs::read_to_string(copy.join("openapi.json")).unwrap(),
            "{}\n"
        );
        assert_eq!(
            std::fs::read_to_string(copy.join("Cargo.toml")).unwrap(),
            "[workspace]\n"
        );
        assert!(!copy.join("src/stale.rs").exists());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
