//! The maintainer tool behind `cargo xtask`: refresh Polar's OpenAPI spec into the vendored
//! `openapi.json` (3.0.3 subset for progenitor) and check that it is up to date.

pub mod build_cost;
pub mod check;
pub mod downconvert;
pub mod fixups;
pub mod output;
pub mod select;
pub mod source;
pub mod walk;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The Polar API version used when none is given.
pub const DEFAULT_API_VERSION: &str = "2026-04";

/// The repository root: `$XTASK_ROOT` when set (tests use a scratch copy), else the parent of
/// the `xtask` crate.
pub fn repo_root() -> PathBuf {
    if let Some(root) = std::env::var_os("XTASK_ROOT") {
        return PathBuf::from(root);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// What a conversion needs besides the upstream bytes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the upstream spec came from (URL or path, recorded as given).
    pub source: String,
    /// The Polar API version (e.g. `2026-04`).
    pub api_version: String,
    /// The `operationId`s to keep.
    pub operations: Vec<String>,
}

/// The result of a conversion.
#[derive(Debug)]
pub struct Conversion {
    /// The converted document, provenance included.
    pub spec: Value,
    /// The exact bytes to write to `openapi.json`.
    pub text: String,
}

/// Upstream 3.1 bytes → the vendored 3.0.3 subset: select, down-convert, fix up, prune, annotate.
pub fn convert(upstream: &[u8], options: &Options) -> Result<Conversion, String> {
    let mut spec: Value =
        serde_json::from_slice(upstream).map_err(|e| format!("upstream spec is not JSON: {e}"))?;
    select::select(&mut spec, &options.operations)?;
    let downconversions = downconvert::downconvert(&mut spec);
    let fixups = fixups::apply_all(&mut spec);
    select::prune_components(&mut spec);
    let provenance = json!({
        "source": options.source,
        "snapshot": source::snapshot_rel_path(&options.api_version),
        "snapshot_sha256": source::sha256_hex(upstream),
        "api_version": options.api_version,
        "operations": options.operations,
        "downconversions": downconversions,
        "fixups": fixups,
        "written_by": "cargo xtask refresh-spec",
    });
    let info = spec
        .get_mut("info")
        .and_then(Value::as_object_mut)
        .ok_or("upstream spec has no info object")?;
    info.insert("x-polar-client-provenance".into(), provenance);
    let text = output::canonical_string(&spec);
    Ok(Conversion { spec, text })
}

/// Reads the operation list `xtask/operations.txt`.
pub fn read_operation_list(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join("xtask/operations.txt");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(select::parse_operation_list(&text))
}

/// `refresh-spec`: load, snapshot, convert, write `openapi.json`; returns the summary lines.
pub fn refresh(root: &Path, source: &str, api_version: &str) -> Result<Vec<String>, String> {
    let bytes = source::load(source)?;
    source::store_snapshot(root, api_version, source, &bytes)?;
    let options = Options {
        source: source.to_string(),
        api_version: api_version.to_string(),
        operations: read_operation_list(root)?,
    };
    let conversion = convert(&bytes, &options)?;
    let target = root.join("openapi.json");
    let previous = std::fs::read(&target)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    std::fs::write(&target, &conversion.text)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    let mut lines = output::summarize(previous.as_ref(), &conversion.spec);
    let fired = conversion
        .spec
        .pointer("/info/x-polar-client-provenance/fixups")
        .and_then(Value::as_object);
    for (name, places) in fired.into_iter().flatten() {
        lines.push(format!(
            "fix-up {name}: {} place(s)",
            places.as_array().map_or(0, Vec::len)
        ));
    }
    Ok(lines)
}

/// `check-spec`: redo the conversion from the committed snapshot; `Err` explains any difference.
pub fn check(root: &Path) -> Result<(), String> {
    let target = root.join("openapi.json");
    let committed = std::fs::read_to_string(&target)
        .map_err(|e| format!("cannot read {}: {e}", target.display()))?;
    let committed_json: Option<Value> = serde_json::from_str(&committed).ok();
    let api_version = committed_json
        .as_ref()
        .and_then(|v| {
            v.pointer("/info/x-polar-client-provenance/api_version")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
    let (bytes, source) = source::read_snapshot(root, &api_version)?;
    let options = Options {
        source,
        api_version,
        operations: read_operation_list(root)?,
    };
    let conversion = convert(&bytes, &options)?;
    if conversion.text == committed {
        return Ok(());
    }
    let mut report = vec![format!(
        "openapi.json is not what `cargo xtask refresh-spec` produces from {}.",
        source::snapshot_rel_path(&options.api_version)
    )];
    match committed_json {
        Some(json) => {
            let paths = check::differing_paths(&conversion.spec, &json, 20);
            if !paths.is_empty() {
                report.push("Differing JSON paths (expected = fresh conversion):".into());
                report.extend(paths.into_iter().map(|p| format!("  {p}")));
            }
        }
        None => report.push("openapi.json is not valid JSON.".into()),
    }
    report.push("Differing lines (- expected, + openapi.json):".into());
    report.extend(
        check::differing_lines(&conversion.text, &committed, 20)
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    report.push(
        "Run `cargo xtask refresh-spec --from <snapshot or upstream>` and commit the result."
            .into(),
    );
    Err(report.join("\n"))
}
