//! `cargo xtask` entry point: parses the command line and runs `refresh-spec`, `check-spec`,
//! `check-whole-api` or `build-cost` in the repository the command is run from.

use std::process::ExitCode;

use xtask::{Refresh, build_cost, check, crate_api_version, refresh, repo_root, source, whole_api};

const USAGE: &str = "usage:
  cargo xtask refresh-spec [--from URL | --from FILE --origin ORIGIN] [--api-version VERSION]
  cargo xtask check-spec
  cargo xtask check-whole-api
  cargo xtask build-cost
(see xtask/README.md)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let root = repo_root()?;
    match args.split_first() {
        Some((command, rest)) if command == "refresh-spec" => {
            let request = parse_refresh_args(rest, &crate_api_version(&root)?)?;
            for line in refresh(&root, &request)? {
                println!("{line}");
            }
            println!(
                "wrote openapi.json and {}",
                source::snapshot_rel_path(&request.api_version)
            );
            Ok(())
        }
        Some((command, rest)) if command == "check-spec" && rest.is_empty() => {
            check(&root)?;
            println!("openapi.json is up to date");
            Ok(())
        }
        Some((command, rest)) if command == "check-whole-api" && rest.is_empty() => {
            let api_version = xtask::committed_api_version(&root)?;
            println!("{}", whole_api::check(&root, &api_version)?.line());
            Ok(())
        }
        Some((command, rest)) if command == "build-cost" && rest.is_empty() => {
            print!("{}", build_cost::measure(&root)?.table());
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    }
}

/// `--from X`, `--origin O` and `--api-version Y`, in any order. Without `--from`, Polar's URL for
/// the version; a local `--from` file needs `--origin`, the public place it was copied from.
fn parse_refresh_args(args: &[String], default_version: &str) -> Result<Refresh, String> {
    let (mut from, mut origin) = (None, None);
    let mut api_version = default_version.to_string();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--from" => from = Some(value.clone()),
            "--origin" => origin = Some(value.clone()),
            "--api-version" => api_version = value.clone(),
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    let from = from.unwrap_or_else(|| source::default_url(&api_version));
    let origin = match origin {
        Some(origin) => origin,
        None if source::is_url(&from) => from.clone(),
        None => {
            return Err(format!(
                "--from {from} is a local file: add --origin with its public origin (Polar's URL \
                 {} or `polarsource/polar docs/openapi/<version>.openapi.json @ <commit>`), \
                 which is what the provenance records",
                source::default_url(&api_version)
            ));
        }
    };
    Ok(Refresh {
        from,
        origin,
        api_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn refresh_args_parse_in_any_order() {
        let parsed = parse_refresh_args(
            &args(&[
                "--api-version",
                "2026-07",
                "--origin",
                "o",
                "--from",
                "x.json",
            ]),
            "2026-04",
        )
        .unwrap();
        assert_eq!(
            (parsed.from, parsed.origin, parsed.api_version),
            ("x.json".into(), "o".into(), "2026-07".into())
        );
        let parsed = parse_refresh_args(&[], "2026-04").unwrap();
        assert_eq!(parsed.from, "https://api.polar.sh/2026-04/openapi.json");
        assert_eq!(parsed.origin, parsed.from);
        assert_eq!(parsed.api_version, "2026-04");
        assert!(parse_refresh_args(&args(&["--from"]), "2026-04").is_err());
        assert!(parse_refresh_args(&args(&["--bogus", "1"]), "2026-04").is_err());
    }

    #[test]
    fn a_local_file_needs_its_public_origin() {
        let err = parse_refresh_args(&args(&["--from", "copy.json"]), "2026-04").unwrap_err();
        assert!(err.contains("--origin"), "{err}");
    }
}
