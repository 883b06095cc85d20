//! Deterministic writing of the converted spec, and writing a refresh's files all or nothing.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Pretty JSON with every object's keys sorted and a trailing newline: stable across runs.
pub fn canonical_string(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(doc)).unwrap_or_default();
    text.push('\n');
    text
}

/// A copy of `value` whose objects have their keys in sorted order.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Writes every `(path, bytes)` or none: each goes to a temporary sibling first, and only when all
/// are written are they renamed into place. On error the temporaries are removed and the existing
/// files are untouched.
pub fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<(), String> {
    let mut written: Vec<(PathBuf, &Path)> = Vec::new();
    let result = files.iter().try_for_each(|(path, bytes)| {
        let temporary = temporary_path(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&temporary, bytes)
            .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
        written.push((temporary, path));
        Ok(())
    });
    if let Err(e) = result {
        for (temporary, _) in &written {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(e);
    }
    for (temporary, path) in &written {
        std::fs::rename(temporary, path)
            .map_err(|e| format!("cannot move {} into place: {e}", path.display()))?;
    }
    Ok(())
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".xtask-tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_output_sorts_keys_and_ends_with_newline() {
        let text = canonical_string(&json!({"b": 1, "a": {"d": [2, {"z": 0, "y": 1}], "c": null}}));
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": null,\n    \"d\": [\n      2,\n      {\n        \"y\": 1,\n        \"z\": 0\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn write_all_writes_nothing_when_one_file_fails() {
        let dir = std::env::temp_dir().join(format!("xtask-write-all-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("blocked")).unwrap();
        std::fs::write(dir.join("kept.json"), "old").unwrap();
        // `kept.json` is a file, so nothing can be written beneath it: the second write fails.
        let err = write_all(&[
            (dir.join("kept.json"), b"new".to_vec()),
            (dir.join("kept.json/inner.json"), b"x".to_vec()),
        ]);
        assert!(err.is_err());
        assert_eq!(
            std::fs::read_to_string(dir.join("kept.json")).unwrap(),
            "old"
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["blocked", "kept.json"]);

        write_all(&[(dir.join("kept.json"), b"new".to_vec())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("kept.json")).unwrap(),
            "new"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
