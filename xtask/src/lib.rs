//! The maintainer tool behind `cargo xtask`: refresh Polar's OpenAPI spec into the vendored
//! `openapi.json` (3.0.3 subset for progenitor), check that it is up to date, and check that every
//! upstream operation would compile. The maintainer's guide is `xtask/README.md`.

pub mod build_cost;
pub mod check;
pub mod downconvert;
pub mod fixups;
pub mod output;
#[path = "../../build/reach.rs"]
pub mod reach;
pub mod select;
pub mod source;
pub mod summary;
#[path = "../../build/urls.rs"]
pub mod urls;
pub mod validate;
pub mod walk;
pub mod whole_api;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The file holding the crate's `DEFAULT_API_VERSION`, relative to the repository root: the one
/// place the default version is written down.
pub const CLIENT_SOURCE: &str = "src/core/state.rs";

/// The repository root: `$XTASK_ROOT` when set (tests use a scratch copy), else the nearest
/// directory, from the current one upward, that holds `xtask/operations.txt`. It is found where
/// the command runs, so a build shared between checkouts never writes into another one.
///
/// # Errors
/// When the current directory is not inside a checkout of this repository.
pub fn repo_root() -> Result<PathBuf, String> {
    if let Some(root) = std::env::var_os("XTASK_ROOT") {
        return Ok(PathBuf::from(root));
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    find_root(&cwd)
}

/// The nearest directory from `start` upward that holds `xtask/operations.txt`.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    start
        .ancestors()
        .find(|dir| dir.join(OPERATIONS_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "{} is not inside a polar-client checkout (no {OPERATIONS_FILE} here or above): \
                 run cargo xtask from the repository",
                start.display()
            )
        })
}

/// The operation list, relative to the repository root.
pub const OPERATIONS_FILE: &str = "xtask/operations.txt";

/// The crate's `DEFAULT_API_VERSION`, read from [`CLIENT_SOURCE`] under `root`.
///
/// # Errors
/// When the file cannot be read or has no `pub const DEFAULT_API_VERSION: &str = "…";` line.
pub fn crate_api_version(root: &Path) -> Result<String, String> {
    let path = root.join(CLIENT_SOURCE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("pub const DEFAULT_API_VERSION: &str = \"")?
                .strip_suffix("\";")
                .map(str::to_string)
        })
        .ok_or_else(|| {
            format!("no `pub const DEFAULT_API_VERSION: &str = \"…\";` in {CLIENT_SOURCE}")
        })
}

/// What a conversion needs besides the upstream bytes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The public origin of the upstream spec (Polar's URL, or `polarsource/polar` path and
    /// commit), recorded as provenance.
    pub source: String,
    /// The Polar API version (e.g. `2026-04`); the upstream `info.version` must equal it.
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

/// Upstream 3.1 bytes → the vendored 3.0.3 subset: down-convert and fix up the whole document,
/// then select the listed operations and what they reach, annotate, and validate.
///
/// # Errors
/// When the upstream is not JSON, its `info.version` is not `options.api_version`, a listed
/// operation is missing, or the result is not OpenAPI 3.0.3 that `build.rs` can read.
pub fn convert(upstream: &[u8], options: &Options) -> Result<Conversion, String> {
    let mut spec: Value =
        serde_json::from_slice(upstream).map_err(|e| format!("upstream spec is not JSON: {e}"))?;
    check_version(&spec, &options.api_version)?;
    select::check_listed(&spec, &options.operations)?;
    let downconversions = downconvert::downconvert(&mut spec);
    let fixups = fixups::apply_all(&mut spec);
    select::select(&mut spec, &options.operations)?;
    let downconversions: BTreeMap<String, usize> = kept_places(&spec, downconversions)
        .into_iter()
        .map(|(rule, places)| (rule, places.len()))
        .collect();
    let fixups = kept_places(&spec, fixups);
    validate::validate(&spec)?;
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

/// The upstream's own `info.version` must be the version it is stored and recorded as.
fn check_version(spec: &Value, api_version: &str) -> Result<(), String> {
    match spec.pointer("/info/version").and_then(Value::as_str) {
        Some(version) if version == api_version => Ok(()),
        found => Err(format!(
            "the upstream spec is API version {} but --api-version is {api_version:?}: \
             refresh with --api-version {} (and check the crate's DEFAULT_API_VERSION in \
             {CLIENT_SOURCE}), or fetch the spec of {api_version}",
            found.map_or("(no info.version)".to_string(), |v| format!("{v:?}")),
            found.unwrap_or("<version>")
        )),
    }
}

/// The places of each rule that are still in the selected document; rules left with none dropped.
fn kept_places(
    spec: &Value,
    places: BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    places
        .into_iter()
        .map(|(rule, places)| {
            let kept = places
                .into_iter()
                .filter(|place| select::is_kept(spec, place))
                .collect::<Vec<_>>();
            (rule, kept)
        })
        .filter(|(_, places)| !places.is_empty())
        .collect()
}

/// Reads the operation list [`OPERATIONS_FILE`].
///
/// # Errors
/// When the file cannot be read.
pub fn read_operation_list(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join(OPERATIONS_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(select::parse_operation_list(&text))
}

/// What `refresh-spec` was asked to do.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// Where to read the upstream spec: a URL or a local file.
    pub from: String,
    /// The public origin to record (defaults to `from` when that is a URL).
    pub origin: String,
    /// The Polar API version of the spec.
    pub api_version: String,
}

/// `refresh-spec`: load, convert, validate, then write the snapshot, its origin record and
/// `openapi.json` together (nothing is written when any step fails); returns the change summary
/// and any warning.
///
/// # Errors
/// When the spec cannot be loaded or converted (see [`convert`]) or the files cannot be written.
pub fn refresh(root: &Path, request: &Refresh) -> Result<Vec<String>, String> {
    let bytes = source::load(&request.from)?;
    let options = Options {
        source: request.origin.clone(),
        api_version: request.api_version.clone(),
        operations: read_operation_list(root)?,
    };
    let conversion = convert(&bytes, &options)?;
    let target = root.join("openapi.json");
    let previous = std::fs::read(&target)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let mut files = source::snapshot_files(root, &request.api_version, &request.origin, &bytes);
    files.push((target, conversion.text.into_bytes()));
    output::write_all(&files)?;
    let mut lines = summary::summarize(previous.as_ref(), &conversion.spec);
    match crate_api_version(root) {
        Ok(default) if default == request.api_version => {}
        Ok(default) => lines.push(format!(
            "warning: openapi.json is now API version {} but the crate's DEFAULT_API_VERSION is \
             {default:?} ({CLIENT_SOURCE}): the client would send Polar-Version {default} with \
             types generated from {}; update the constant (and CHANGELOG) or refresh with \
             --api-version {default}",
            request.api_version, request.api_version
        )),
        Err(e) => lines.push(format!("warning: {e}")),
    }
    Ok(lines)
}

/// The API version recorded in a converted spec's provenance.
fn recorded_api_version(spec: Option<&Value>) -> Option<String> {
    spec?
        .pointer("/info/x-polar-client-provenance/api_version")?
        .as_str()
        .map(str::to_string)
}

/// The API version of the committed `openapi.json` (the crate's default when it records none).
///
/// # Errors
/// When neither `openapi.json` nor [`CLIENT_SOURCE`] names a version.
pub fn committed_api_version(root: &Path) -> Result<String, String> {
    let committed = std::fs::read(root.join("openapi.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    recorded_api_version(committed.as_ref()).map_or_else(|| crate_api_version(root), Ok)
}

/// `check-spec`: redo the conversion from the committed snapshot (which validates it as OpenAPI
/// 3.0.3); `Err` explains any difference.
///
/// # Errors
/// When the conversion fails or its result differs from the committed `openapi.json`.
pub fn check(root: &Path) -> Result<(), String> {
    let target = root.join("openapi.json");
    let committed = std::fs::read_to_string(&target)
        .map_err(|e| format!("cannot read {}: {e}", target.display()))?;
    let committed_json: Option<Value> = serde_json::from_str(&committed).ok();
    let api_version = recorded_api_version(committed_json.as_ref())
        .map_or_else(|| crate_api_version(root), Ok)?;
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
    report.push(format!(
        "Run `cargo xtask refresh-spec --from {snapshot} --origin \"$(cat {record})\" \
         --api-version {version}` (see xtask/README.md) and commit the result.",
        snapshot = source::snapshot_rel_path(&options.api_version),
        record = source::source_rel_path(&options.api_version),
        version = options.api_version,
    ));
    Err(report.join("\n"))
}
