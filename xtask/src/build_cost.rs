//! `cargo xtask build-cost`: what depending on `polar-client` costs a user in build time — a clean
//! debug build of the library and of a minimal downstream binary, plus the generated code's size.
//!
//! Each build gets a fresh target directory under `target/`, so nothing is reused from earlier
//! builds (the registry's downloaded sources are). It takes minutes; it is a maintainer command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The minimal user of the crate: builds a client and a customer, which pulls in the whole client.
const DOWNSTREAM_MAIN: &str = r#"fn main() -> Result<(), polar_client::Error> {
    let polar = polar_client::Polar::builder()
        .access_token("polar_oat_build_cost")
        .build()?;
    let customer = polar_client::NewCustomer::individual("jane@example.org").name("Jane");
    let customers = polar.customers();
    // Never polled: building the future is enough to compile the whole create path.
    drop(customers.create(customer));
    println!("{}", polar.base_url());
    Ok(())
}
"#;

/// One measured build.
#[derive(Debug)]
pub struct Measurement {
    /// What was built.
    pub what: String,
    /// Wall-clock time of the clean build.
    pub wall: Duration,
}

/// The build-cost figures.
#[derive(Debug)]
pub struct Report {
    /// The clean builds, library first.
    pub builds: Vec<Measurement>,
    /// Size of `$OUT_DIR/polar_generated.rs`, the progenitor output compiled into the crate.
    pub generated_bytes: usize,
}

impl Report {
    /// The figures as a small Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from("| clean debug build | wall time |\n|---|---|\n");
        for build in &self.builds {
            out.push_str(&format!(
                "| {} | {:.1} s |\n",
                build.what,
                build.wall.as_secs_f64()
            ));
        }
        out.push_str(&format!(
            "\ngenerated code ($OUT_DIR/polar_generated.rs): {}\n",
            kib(self.generated_bytes)
        ));
        out
    }
}

/// Measures both clean builds under `root/target/build-cost/` and removes the scratch space after.
///
/// # Errors
/// When a build fails or the scratch directories cannot be written.
pub fn measure(root: &Path) -> Result<Report, String> {
    let scratch = root.join("target").join("build-cost");
    remove(&scratch)?;
    let result = measure_in(root, &scratch);
    remove(&scratch)?;
    result
}

fn measure_in(root: &Path, scratch: &Path) -> Result<Report, String> {
    let library_target = scratch.join("library-target");
    let library = timed_build(
        "library (polar-client)",
        Command::new(cargo())
            .args(["build", "--quiet", "--package", "polar-client", "--lib"])
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &library_target),
    )?;
    let generated_bytes = generated_bytes(&library_target)?;

    let downstream = scratch.join("downstream");
    write_downstream(root, &downstream)?;
    let binary = timed_build(
        "minimal downstream binary",
        Command::new(cargo())
            .args(["build", "--quiet"])
            .current_dir(&downstream)
            .env("CARGO_TARGET_DIR", downstream.join("target")),
    )?;
    Ok(Report {
        builds: vec![library, binary],
        generated_bytes,
    })
}

/// The `cargo` that runs this command (`$CARGO`), else the one on `PATH`.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `command` (a cargo build) and measures its wall time.
pub(crate) fn timed_build(what: &str, command: &mut Command) -> Result<Measurement, String> {
    eprintln!("building {what}…");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("could not run cargo for {what}: {e}"))?;
    let wall = started.elapsed();
    if !status.success() {
        return Err(format!("the build of {what} failed ({status})"));
    }
    Ok(Measurement {
        what: what.to_owned(),
        wall,
    })
}

/// A binary crate depending on the repository by path, with the repository's lock file so the
/// dependency versions are the ones the crate is tested with.
fn write_downstream(root: &Path, dir: &Path) -> Result<(), String> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let manifest = format!(
        "[package]\nname = \"build-cost-downstream\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\npolar-client = {{ path = {:?} }}\n\n\
         # Not part of the repository's workspace.\n[workspace]\n",
        root.display().to_string()
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&src.join("main.rs"), DOWNSTREAM_MAIN)?;
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| format!("{}: {e}", lock.display()))?;
    Ok(())
}

/// Size in bytes of the newest `polar_generated.rs` under a target directory's debug build scripts.
pub(crate) fn generated_bytes(target: &Path) -> Result<usize, String> {
    let build = target.join("debug").join("build");
    let entries = std::fs::read_dir(&build).map_err(|e| format!("{}: {e}", build.display()))?;
    let file: Option<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("out").join("polar_generated.rs"))
        .filter_map(|path| Some((path.metadata().ok()?.modified().ok()?, path)))
        .max()
        .map(|(_, path)| path);
    let file = file.ok_or_else(|| format!("no polar_generated.rs under {}", build.display()))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    usize::try_from(metadata.len()).map_err(|e| format!("{}: {e}", file.display()))
}

/// A size for people: `212 KiB`.
pub(crate) fn kib(bytes: usize) -> String {
    format!("{} KiB", bytes.div_ceil(1024))
}

/// Writes a text file, the error naming it.
pub(crate) fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Removes a directory tree; one that does not exist is fine.
pub(crate) fn remove(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downstream_crate_depends_on_the_repository_by_path_outside_its_workspace() {
        let root = std::env::temp_dir().join(format!("build-cost-test-{}", std::process::id()));
        let dir = root.join("downstream");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("Cargo.lock"), "# lock\n").unwrap();
        write_downstream(&root, &dir).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("path = {:?}", root.display().to_string())));
        assert!(manifest.contains("[workspace]"));
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.lock")).unwrap(),
            "# lock\n"
        );
        assert!(
            std::fs::read_to_string(dir.join("src/main.rs"))
                .unwrap()
                .contains("NewCustomer")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn table_lists_every_build_and_the_generated_size() {
        let report = Report {
            builds: vec![Measurement {
                what: "library".into(),
                wall: Duration::from_millis(12_340),
            }],
            generated_bytes: 4321 * 1024,
        };
        let table = report.table();
        assert!(table.contains("| library | 12.3 s |"), "{table}");
        assert!(table.contains("4321 KiB"), "{table}");
    }
}
