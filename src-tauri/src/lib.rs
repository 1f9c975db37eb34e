//! `commons`: the desktop shell and the command line for IT staff.
//!
//! Without a subcommand it opens the Commons window; `commons config` and `commons doctor`
//! serve the people who image and look after workstations. All logic lives in
//! `commons-core`; this crate is the door to it.

mod app;
mod cli;
pub mod commands;
mod guard;
pub mod ipc;
mod logging;

pub use app::set_painting;

use std::process::ExitCode;

use clap::Parser;
use commons_core::Config;

/// Parses the command line and runs what it asks for. Call it from `main` before starting any
/// thread: it first sets the environment the web engine inherits.
pub fn run() -> ExitCode {
    app::tune_web_engine();
    let cli = cli::Cli::parse();
    // The extraction worker needs no configuration: it reads files and prints their text,
    // confined to reading them (a hostile PDF that takes it over reads nothing else).
    if let Some(cli::Command::ExtractWorker { file, reads }) = &cli.command {
        use commons_core::documents::extract::{serve_main, worker_main};
        let mut reads = reads.clone();
        reads.extend(file.clone());
        if let Err(e) = commons_core::documents::confine::restrict(&reads) {
            eprintln!("commons confine: {e}");
            return ExitCode::from(4);
        }
        let code = match file {
            Some(file) => worker_main(file),
            None => serve_main(),
        };
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    if let Some(cli::Command::Confine { reads, program }) = &cli.command {
        return cli::confine(reads, program);
    }
    // Provisioning writes the configuration, so it must work when the current one does not.
    if let Some(cli::Command::Provision {
        hub,
        token_file,
        system,
        no_check,
        allow_insecure_http,
        snapshot,
    }) = &cli.command
    {
        return cli::provision(
            hub,
            token_file,
            *system,
            *no_check,
            *allow_insecure_http,
            snapshot.as_deref(),
        );
    }
    // All or nothing: with a configuration that does not read cleanly, nothing starts.
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("commons: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(cli::Command::Config) => cli::print_config(&config),
        Some(cli::Command::Doctor) => cli::doctor(&config),
        Some(cli::Command::Import { files }) => cli::import(&config, &files),
        Some(cli::Command::Reindex) => cli::reindex(&config),
        Some(cli::Command::Original { id }) => cli::original(&config, &id),
        Some(cli::Command::Compact) => cli::compact(&config),
        Some(cli::Command::Account { action }) => cli::account(&config, &action),
        Some(cli::Command::Extract) => cli::extract(&config),
        Some(cli::Command::Sync) => cli::sync(&config),
        Some(cli::Command::Snapshot { action }) => cli::snapshot(&config, &action),
        Some(
            cli::Command::ExtractWorker { .. }
            | cli::Command::Confine { .. }
            | cli::Command::Provision { .. },
        ) => ExitCode::FAILURE,
        None => app::run(config),
    }
}
