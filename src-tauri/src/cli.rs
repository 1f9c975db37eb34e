//! The command line: `commons config` and `commons doctor`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::io::Write as _;
use std::path::PathBuf;

use commons_core::catalogue::ImportReport;
use commons_core::{Config, Workstation, doctor};

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
    /// Import catalogue records: MARC 21 (.mrc), MARCXML, MARC-in-JSON, OAI-PMH responses
    Import {
        /// Files to import
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Rebuild the catalogue's search index from the cache
    Reindex,
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

/// `commons import FILE...`: progress on stderr, a report on stdout. Exits 0 when every record
/// was imported, 1 when some records were rejected or a file could not be read.
pub fn import(config: &Config, files: &[PathBuf]) -> ExitCode {
    let ws = Workstation::new(config.clone());
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let mut total = ImportReport::default();
    let mut failed_files = 0;
    for file in files {
        let name = file.display().to_string();
        let result = ws.import(file, &mut |n| {
            eprint!("\r{name}: {n} records");
            let _ = std::io::stderr().flush();
        });
        match result {
            Ok(report) => {
                eprintln!(
                    "\r{name}: {} read, {} imported, {} updated, {} unchanged, {} rejected",
                    report.read,
                    report.imported,
                    report.updated,
                    report.unchanged,
                    report.rejected.len()
                );
                total.add(report);
            }
            Err(e) => {
                failed_files += 1;
                eprintln!("\r{name}: not imported: {e}");
            }
        }
    }
    println!(
        "read {}, imported {}, updated {}, unchanged {}, deleted {}, rejected {}, warnings {}",
        total.read,
        total.imported,
        total.updated,
        total.unchanged,
        total.deleted,
        total.rejected.len(),
        total.warnings.len()
    );
    for r in &total.rejected {
        println!(
            "rejected: {}: {}: {}",
            r.file.display(),
            r.position,
            r.reason
        );
    }
    for w in &total.warnings {
        println!(
            "warning: {}: {}: {}",
            w.file.display(),
            w.position,
            w.reason
        );
    }
    if failed_files == 0 && total.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `commons reindex`: rebuilds the search index from the cache.
pub fn reindex(config: &Config) -> ExitCode {
    let ws = Workstation::new(config.clone());
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    match ws.reindex(&mut |done, total| {
        eprint!("\rindexing: {done} of {total} records");
        let _ = std::io::stderr().flush();
    }) {
        Ok(total) => {
            eprintln!();
            println!(
                "indexed {total} records in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ncommons: {e}");
            ExitCode::FAILURE
        }
    }
}
