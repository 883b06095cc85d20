//! Loading the upstream spec (local file or URL) and keeping its byte-exact snapshot in `spec/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// Polar's published spec for an API version.
pub fn default_url(api_version: &str) -> String {
    format!("https://api.polar.sh/{api_version}/openapi.json")
}

/// Snapshot path of an API version, relative to the repository root.
pub fn snapshot_rel_path(api_version: &str) -> String {
    format!("spec/upstream-{api_version}.json")
}

/// Path of the file recording the snapshot's public origin, relative to the repository root.
pub fn source_rel_path(api_version: &str) -> String {
    format!("spec/upstream-{api_version}.source")
}

/// Whether `source` is an `http(s)://` URL.
pub fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// Reads `source`: an `http(s)://` URL (fetched with `curl`) or a local file path.
pub fn load(source: &str) -> Result<Vec<u8>, String> {
    if is_url(source) {
        fetch(source)
    } else {
        std::fs::read(source).map_err(|e| format!("cannot read {source}: {e}"))
    }
}

fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let output = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--max-time",
            "120",
            url,
        ])
        .output()
        .map_err(|e| format!("cannot run curl to fetch {url}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "curl failed for {url}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The snapshot and the record of its origin, as `(path, bytes)` for [`crate::output::write_all`].
pub fn snapshot_files(
    root: &Path,
    api_version: &str,
    origin: &str,
    bytes: &[u8],
) -> Vec<(PathBuf, Vec<u8>)> {
    vec![
        (root.join(snapshot_rel_path(api_version)), bytes.to_vec()),
        (
            root.join(source_rel_path(api_version)),
            format!("{origin}\n").into_bytes(),
        ),
    ]
}

/// Reads a stored snapshot and its recorded origin.
pub fn read_snapshot(root: &Path, api_version: &str) -> Result<(Vec<u8>, String), String> {
    let snapshot = root.join(snapshot_rel_path(api_version));
    let bytes = std::fs::read(&snapshot)
        .map_err(|e| format!("cannot read snapshot {}: {e}", snapshot.display()))?;
    let record = root.join(source_rel_path(api_version));
    let source = std::fs::read_to_string(&record)
        .map_err(|e| format!("cannot read {}: {e}", record.display()))?;
    Ok((bytes, source.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn snapshot_round_trips_byte_exact() {
        let dir = std::env::temp_dir().join(format!("xtask-snapshot-{}", std::process::id()));
        let bytes = b"{ \"openapi\" : \"3.1.0\" }\r\n".to_vec();
        crate::output::write_all(&snapshot_files(&dir, "2099-01", "somewhere.json", &bytes))
            .unwrap();
        assert_eq!(
            read_snapshot(&dir, "2099-01").unwrap(),
            (bytes, "somewhere.json".to_string())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn local_source_missing_is_an_error() {
        assert!(
            load("/definitely/not/here.json")
                .unwrap_err()
                .contains("not/here.json")
        );
    }
}
