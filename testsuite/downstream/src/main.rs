//! A user's program: builds its own `reqwest::Client` before and after a `Polar` client, and checks
//! that polar-client changed nothing process-wide (no panic, no crypto provider installed for it).

use std::process::ExitCode;

fn main() -> ExitCode {
    let checks: [(&str, fn() -> Result<(), String>); 4] = [
        ("our client builds before any Polar", own_client),
        ("a Polar client builds", polar),
        ("our client builds after a Polar", own_client),
        (
            "our process-wide TLS choice is still ours to make",
            provider_slot_is_free,
        ),
    ];
    let mut failed = false;
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("ok   {name}"),
            Err(why) => {
                println!("FAIL {name}: {why}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn own_client() -> Result<(), String> {
    reqwest::Client::builder()
        .build()
        .map(drop)
        .map_err(|e| e.to_string())
}

fn polar() -> Result<(), String> {
    if rustls::crypto::CryptoProvider::get_default().is_some() {
        return Err("a crypto provider was installed before Polar was built".into());
    }
    polar_client::Polar::builder()
        .access_token("polar_oat_downstream")
        .build()
        .map(drop)
        .map_err(|e| e.to_string())?;
    match rustls::crypto::CryptoProvider::get_default() {
        None => Ok(()),
        Some(_) => Err("Polar::build() installed a process-wide crypto provider".into()),
    }
}

/// Installing our own default provider succeeds only if nothing took the slot before us.
fn provider_slot_is_free() -> Result<(), String> {
    rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .map_err(|_| "a process-wide crypto provider was already installed".to_owned())?;
    own_client()
}
