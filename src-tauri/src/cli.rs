//! The command line: `commons config` and `commons doctor`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commons_core::{Config, doctor};

#[derive(Debug, Parser)]
#[command(
    name = "commons",
    version,
    about = "Commons: the Information Commons workstation app",
    long_about = "Without a command, opens the Commons window."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the effective configuration and where each value came from
    Config,
    /// Check the cache, free disk space and the hub; exits non-zero on any failure
    Doctor,
}

pub fn print_config(config: &Config) -> ExitCode {
    let entries = config.entries();
    let width = entries.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    for (key, value, source) in entries {
        println!("{key:<width$} = {value}  ({source})");
    }
    println!();
    if config.files_read.is_empty() {
        println!("files read: none (built-in defaults and environment only)");
    } else {
        for f in &config.files_read {
            println!("file read: {}", f.display());
        }
    }
    println!("cache: {}", config.cache_path().display());
    println!("logs: {}", config.log_dir().display());
    ExitCode::SUCCESS
}

pub fn doctor(config: &Config) -> ExitCode {
    let checks = doctor::run(config);
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &checks {
        let verdict = if c.ok { "ok  " } else { "FAIL" };
        println!("{verdict} {:<width$}  {}", c.name, c.detail);
    }
    if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
