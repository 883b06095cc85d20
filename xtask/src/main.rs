//! `cargo xtask` entry point: parses the command line and runs `refresh-spec`, `check-spec` or
//! `build-cost`.

use std::process::ExitCode;

use xtask::{DEFAULT_API_VERSION, build_cost, check, refresh, repo_root, source};

const USAGE: &str = "usage:
  cargo xtask refresh-spec [--from FILE|URL] [--api-version VERSION]
  cargo xtask check-spec
  cargo xtask build-cost";

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
    let root = repo_root();
    match args.split_first() {
        Some((command, rest)) if command == "refresh-spec" => {
            let (from, api_version) = parse_refresh_args(rest)?;
            let source = from.unwrap_or_else(|| source::default_url(&api_version));
            for line in refresh(&root, &source, &api_version)? {
                println!("{line}");
            }
            println!(
                "wrote openapi.json and {}",
                source::snapshot_rel_path(&api_version)
            );
            Ok(())
        }
        Some((command, rest)) if command == "check-spec" && rest.is_empty() => {
            check(&root)?;
            println!("openapi.json is up to date");
            Ok(())
        }
        Some((command, rest)) if command == "build-cost" && rest.is_empty() => {
            print!("{}", build_cost::measure(&root)?.table());
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    }
}

/// `--from X` and `--api-version Y`, in any order.
fn parse_refresh_args(args: &[String]) -> Result<(Option<String>, String), String> {
    let mut from = None;
    let mut api_version = DEFAULT_API_VERSION.to_string();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--from" => from = Some(value.clone()),
            "--api-version" => api_version = value.clone(),
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    Ok((from, api_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn refresh_args_parse_in_any_order() {
        let parsed =
            parse_refresh_args(&args(&["--api-version", "2026-07", "--from", "x.json"])).unwrap();
        assert_eq!(parsed, (Some("x.json".to_string()), "2026-07".to_string()));
        assert_eq!(
            parse_refresh_args(&[]).unwrap(),
            (None, DEFAULT_API_VERSION.to_string())
        );
        assert!(parse_refresh_args(&args(&["--from"])).is_err());
        assert!(parse_refresh_args(&args(&["--bogus", "1"])).is_err());
    }
}
