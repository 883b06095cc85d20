//! `cargo xtask build-cost`: what depending on `polar-client` costs a user in build time — clean
//! debug builds of the library, of minimal binaries on it (default features; `default-features =
//! false` with the user's own ring client) and of floors written by hand on the same stacks, each
//! of ours printed with its ratio to its floor, plus the generated code's size.
//!
//! Each build gets a fresh target directory under `target/`, so nothing is reused from earlier
//! builds (the registry's downloaded sources are); they run one after the other, each removed
//! after. It takes minutes; it is a maintainer command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A minimal binary, ours or a floor written by hand: every one is [`MAIN`] with the pieces of
/// its [`Downstream`] put in, so they differ only where the user's code would.
const MAIN: &str = r#"//! build-cost: {what}. Built, never run.

use std::error::Error;

{items}
fn main() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    {create}
    // Awaited, so the whole create path is compiled into the binary.
    println!("{:?}", runtime.block_on(create)?);
    Ok(())
}
"#;

/// How a floor sends the create by hand: the body posted as bytes, the 201 decoded into a `Value`.
const FLOOR_ITEMS: &str = r#"#[derive(serde::Serialize)]
struct NewCustomer<'a> {
    email: &'a str,
    name: &'a str,
}
"#;
const FLOOR_CREATE: &str = r#"let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none()){tls}
        .build()?;
    let body = serde_json::to_vec(&NewCustomer { email: "jane@example.org", name: "Jane" })?;
    let create = async move {
        let response = http
            .post("https://api.polar.sh/v1/customers/")
            .bearer_auth("polar_oat_build_cost")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(std::time::Duration::from_secs(10))
            .body(body)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::CREATED {
            return Err(format!("unexpected status {}", response.status()).into());
        }
        Ok::<_, Box<dyn Error>>(response.json::<serde_json::Value>().await?)
    };"#;

/// How a user of the crate sends the create.
const OURS_CREATE: &str = r#"let polar = polar_client::Polar::builder()
        .access_token("polar_oat_build_cost"){http_client}
        .build()?;
    let create = async move {
        let customer = polar_client::NewCustomer::individual("jane@example.org").name("Jane");
        polar.customers().create(customer).await
    };"#;

/// rustls with `ring` and the platform's verifier, for one reqwest client (nothing process-wide).
const RING_ITEMS: &str = r#"fn ring_tls() -> Result<rustls::ClientConfig, Box<dyn Error>> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth())
}
"#;
/// Ours with the user's ring client (`PolarBuilder::http_client`).
const RING_CLIENT: &str = r#"
        .http_client(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .tls_backend_preconfigured(ring_tls()?)
                .build()?,
        )"#;
const RING_TLS: &str = "\n        .tls_backend_preconfigured(ring_tls()?)";

/// The dependencies every binary has besides its own: the runtime it awaits the create on.
const TOKIO: &str = r#"tokio = { version = "1", features = ["rt"] }"#;
/// What a floor uses by hand besides reqwest: the crate's own stack.
const FLOOR_DEPENDENCIES: &[&str] = &[
    r#"serde = { version = "1", features = ["derive"] }"#,
    r#"serde_json = "1""#,
    r#"chrono = { version = "0.4", default-features = false, features = ["serde", "std"] }"#,
    r#"uuid = { version = "1", features = ["serde"] }"#,
];
/// TLS with ring, configured per client.
const RING_DEPENDENCIES: &[&str] = &[
    r#"reqwest = { version = "0.13", default-features = false, features = ["json", "rustls-no-provider"] }"#,
    r#"rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }"#,
    r#"rustls-platform-verifier = "0.7""#,
];

/// Which TLS a downstream binary uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    /// reqwest's `rustls` feature (aws-lc-rs): ours by default, or reqwest's own for a floor.
    AwsLc,
    /// rustls with `ring`, set up by the user's code ([`RING_ITEMS`]).
    Ring,
}

/// One minimal binary: ours (depending on the repository by path) or a floor.
#[derive(Debug, Clone, Copy)]
struct Downstream {
    /// The row of the table.
    what: &'static str,
    /// Its directory under the scratch space (also its package name's suffix).
    dir: &'static str,
    /// Whether it is built on `polar-client`; else it is a floor sending the create by hand.
    ours: bool,
    tls: Tls,
}

/// The binaries, each of ours followed by the floor it is compared with.
const DOWNSTREAMS: &[Downstream] = &[
    Downstream {
        what: "minimal binary on polar-client (default `rustls` feature)",
        dir: "ours",
        ours: true,
        tls: Tls::AwsLc,
    },
    Downstream {
        what: "floor, same stack: reqwest `json` + `rustls` (aws-lc-rs), tokio, serde, chrono, uuid",
        dir: "floor",
        ours: false,
        tls: Tls::AwsLc,
    },
    Downstream {
        what: "minimal binary on polar-client (`default-features = false`) with the user's ring client",
        dir: "ours-ring",
        ours: true,
        tls: Tls::Ring,
    },
    Downstream {
        what: "floor, ring: reqwest `json` + `rustls-no-provider`, rustls `ring`, tokio, serde, chrono, uuid",
        dir: "floor-ring",
        ours: false,
        tls: Tls::Ring,
    },
];

impl Downstream {
    /// The `[dependencies]` lines of its manifest.
    fn dependencies(&self, root: &Path) -> Vec<String> {
        let mut lines = vec![TOKIO.to_owned()];
        if self.ours {
            let path = format!("{:?}", root.display().to_string());
            lines.push(match self.tls {
                Tls::AwsLc => format!("polar-client = {{ path = {path} }}"),
                Tls::Ring => {
                    format!("polar-client = {{ path = {path}, default-features = false }}")
                }
            });
        } else {
            lines.extend(FLOOR_DEPENDENCIES.iter().map(|d| d.to_string()));
            if self.tls == Tls::AwsLc {
                lines.push(
                    r#"reqwest = { version = "0.13", default-features = false, features = ["json", "rustls"] }"#
                        .to_owned(),
                );
            }
        }
        if self.tls == Tls::Ring {
            lines.extend(RING_DEPENDENCIES.iter().map(|d| d.to_string()));
        }
        lines
    }

    /// Its `src/main.rs`.
    fn main(&self) -> String {
        let ring = self.tls == Tls::Ring;
        let create = if self.ours {
            OURS_CREATE.replace("{http_client}", if ring { RING_CLIENT } else { "" })
        } else {
            FLOOR_CREATE.replace("{tls}", if ring { RING_TLS } else { "" })
        };
        let items = [(!self.ours, FLOOR_ITEMS), (ring, RING_ITEMS)]
            .iter()
            .filter(|(wanted, _)| *wanted)
            .map(|(_, items)| *items)
            .collect::<Vec<_>>()
            .join("\n");
        MAIN.replace("{what}", self.what)
            .replace("{items}", &items)
            .replace("{create}", &create)
    }
}

/// One measured build.
#[derive(Debug)]
pub struct Measurement {
    /// What was built.
    pub what: String,
    /// Wall-clock time of the clean build.
    pub wall: Duration,
    /// CPU time (user + system) of cargo and everything it ran, where the platform tells it
    /// (Linux): less sensitive than the wall time to other work on the machine.
    pub cpu: Option<Duration>,
    /// The row (index into [`Report::builds`]) of the floor this build is compared with.
    pub floor: Option<usize>,
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
    /// The figures as a small Markdown table, each of ours with its ratios to its floor.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| clean debug build | wall time | CPU (user + sys) | against its floor |\n|---|---|---|---|\n",
        );
        for build in &self.builds {
            let versus = build
                .floor
                .and_then(|row| self.builds.get(row))
                .map(|floor| {
                    let cpu = build
                        .cpu
                        .zip(floor.cpu)
                        .map(|(ours, floor)| {
                            format!(", {:.2}× CPU", ours.as_secs_f64() / floor.as_secs_f64())
                        })
                        .unwrap_or_default();
                    format!(
                        "{:.2}× wall{cpu} ({})",
                        build.wall.as_secs_f64() / floor.wall.as_secs_f64(),
                        floor.what.split(':').next().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let cpu = build
                .cpu
                .map(|cpu| format!("{:.1} s", cpu.as_secs_f64()))
                .unwrap_or_else(|| "?".to_owned());
            out.push_str(&format!(
                "| {} | {:.1} s | {cpu} | {versus} |\n",
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

/// Measures the clean builds, one after the other, under `root/target/build-cost/` and removes the
/// scratch space after.
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
    remove(&library_target)?;

    let mut builds = vec![library];
    for downstream in DOWNSTREAMS {
        let dir = scratch.join(downstream.dir);
        write_downstream(root, &dir, downstream)?;
        let mut build = timed_build(
            downstream.what,
            Command::new(cargo())
                .args(["build", "--quiet"])
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", dir.join("target")),
        )?;
        // Ours is followed by its floor: compare with the next row once it is measured.
        if downstream.ours {
            build.floor = Some(builds.len() + 1);
        }
        builds.push(build);
        remove(&dir)?;
    }
    Ok(Report {
        builds,
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
    let cpu_before = children_cpu();
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("could not run cargo for {what}: {e}"))?;
    let wall = started.elapsed();
    let cpu = children_cpu()
        .zip(cpu_before)
        .and_then(|(after, before)| after.checked_sub(before));
    if !status.success() {
        return Err(format!("the build of {what} failed ({status})"));
    }
    Ok(Measurement {
        what: what.to_owned(),
        wall,
        cpu,
        floor: None,
    })
}

/// CPU time of this process's finished children and everything they waited for (cargo, rustc,
/// build scripts, the C compilers they run): `cutime` + `cstime` of `/proc/self/stat`. `None`
/// where there is no such file.
fn children_cpu() -> Option<Duration> {
    children_cpu_in(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// `cutime` + `cstime` of a `/proc/<pid>/stat` line, in clock ticks of 10 ms (Linux's `USER_HZ`).
fn children_cpu_in(stat: &str) -> Option<Duration> {
    // The fields after the command name, which is in parentheses and may itself hold spaces or
    // parentheses: the 3rd field of the line (the state) is the first here.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
    Some(Duration::from_millis((ticks(16)? + ticks(17)?) * 10))
}

/// A binary crate of its own workspace, with the repository's lock file so the versions shared
/// with the crate are the ones it is tested with.
fn write_downstream(root: &Path, dir: &Path, downstream: &Downstream) -> Result<(), String> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let manifest = format!(
        "[package]\nname = \"build-cost-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{}\n\n# Not part of the repository's workspace.\n[workspace]\n",
        downstream.dir,
        downstream.dependencies(root).join("\n")
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&src.join("main.rs"), &downstream.main())?;
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

    /// The manifest and main of `downstream`, written in a scratch directory of `test`'s own.
    fn written(test: &str, downstream: &Downstream) -> (String, String) {
        let root = std::env::temp_dir().join(format!(
            "build-cost-{test}-{}-{}",
            downstream.dir,
            std::process::id()
        ));
        let dir = root.join("downstream");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("Cargo.lock"), "# lock\n").unwrap();
        write_downstream(&root, &dir, downstream).unwrap();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
        let files = (read("Cargo.toml"), read("src/main.rs"));
        assert_eq!(read("Cargo.lock"), "# lock\n");
        let path = format!("path = {:?}", root.display().to_string());
        assert_eq!(files.0.contains(&path), downstream.ours, "{}", files.0);
        std::fs::remove_dir_all(&root).unwrap();
        files
    }

    #[test]
    fn every_downstream_is_its_own_workspace_and_awaits_one_create() {
        for downstream in DOWNSTREAMS {
            let (manifest, main) = written("slots", downstream);
            assert!(manifest.contains("[workspace]"), "{manifest}");
            assert!(manifest.contains(TOKIO), "{manifest}");
            assert!(main.contains("runtime.block_on(create)"), "{main}");
            for slot in ["{what}", "{items}", "{create}", "{tls}", "{http_client}"] {
                assert!(!main.contains(slot), "{slot} left in {main}");
            }
        }
    }

    #[test]
    fn ours_and_floors_differ_only_where_the_user_code_would() {
        let [ours, floor, ours_ring, floor_ring] = DOWNSTREAMS else {
            panic!("four downstreams")
        };
        let (manifest, main) = written("differ", ours);
        assert!(
            !manifest.contains("default-features = false }"),
            "{manifest}"
        );
        assert!(main.contains(".create(customer)") && !main.contains("ring"));

        let (manifest, main) = written("differ", floor);
        assert!(manifest.contains(r#"features = ["json", "rustls"]"#));
        assert!(!manifest.contains("polar-client") && !manifest.contains("ring"));
        assert!(main.contains("serde_json::Value") && !main.contains("polar_client"));

        let (manifest, main) = written("differ", ours_ring);
        assert!(
            manifest.contains("default-features = false }"),
            "{manifest}"
        );
        assert!(manifest.contains(r#"features = ["ring", "std", "tls12"]"#));
        assert!(main.contains(".http_client(") && main.contains("ring_tls()?"));

        let (manifest, main) = written("differ", floor_ring);
        assert!(manifest.contains(r#"["json", "rustls-no-provider"]"#));
        assert!(main.contains(".tls_backend_preconfigured(ring_tls()?)"));
        assert!(!main.contains("polar_client"));
    }

    #[test]
    fn children_cpu_is_read_after_a_command_name_with_spaces_and_parentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
        // stime cutime cstime ...
        let stat = "42 (cargo (x) y) S 1 42 42 0 -1 4194560 10 20 0 0 7 3 1234 56 20 0 1 0";
        assert_eq!(children_cpu_in(stat), Some(Duration::from_millis(12_900)));
        assert_eq!(children_cpu_in("42 (cargo) S 1"), None);
        assert_eq!(children_cpu_in("garbage"), None);
    }

    #[test]
    fn table_gives_each_of_ours_its_ratio_to_its_floor() {
        let build = |what: &str, millis, cpu: Option<u64>, floor| Measurement {
            what: what.into(),
            wall: Duration::from_millis(millis),
            cpu: cpu.map(Duration::from_millis),
            floor,
        };
        let report = Report {
            builds: vec![
                build("library", 12_340, None, None),
                build("ours", 45_000, Some(80_000), Some(2)),
                build("floor, same stack: reqwest", 30_000, Some(50_000), None),
                build("ours without CPU", 45_000, None, Some(2)),
            ],
            generated_bytes: 4321 * 1024,
        };
        let table = report.table();
        assert!(table.contains("| library | 12.3 s | ? |  |"), "{table}");
        assert!(
            table
                .contains("| ours | 45.0 s | 80.0 s | 1.50× wall, 1.60× CPU (floor, same stack) |"),
            "{table}"
        );
        assert!(
            table.contains("| ours without CPU | 45.0 s | ? | 1.50× wall (floor, same stack) |"),
            "{table}"
        );
        assert!(table.contains("4321 KiB"), "{table}");
    }
}
