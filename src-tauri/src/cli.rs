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
    /// Write a catalogue record's original, byte for byte as its source sent it, to standard
    /// output (ID as the catalogue shows it, e.g. src:ocm12345)
    Original { id: String },
    /// Compress the originals of records an earlier version stored as sent, then give the
    /// cache's free space back to the disk
    Compact,
    /// Extract the text of documents not yet extracted, and index it
    Extract,
    /// Extract one PDF's text and print it as JSON; without a file, serve one file path per
    /// line on stdin (used by Commons itself, isolated and confined to reading the file or
    /// the `--read` directories)
    #[command(hide = true)]
    ExtractWorker {
        file: Option<PathBuf>,
        /// What the worker may read besides the system's programs
        #[arg(long = "read")]
        reads: Vec<PathBuf>,
    },
    /// Run a program confined to reading the `--read` paths and the system's programs, and
    /// to writing nothing (used by Commons for `pdftotext`)
    #[command(hide = true)]
    Confine {
        #[arg(long = "read")]
        reads: Vec<PathBuf>,
        /// The program and its arguments
        #[arg(last = true, required = true)]
        program: Vec<std::ffi::OsString>,
    },
    /// Connect this workstation to the consortium's hub: checks the URL and token, then writes
    /// them to the configuration file
    Provision {
        /// The hub's address, e.g. https://hub.consortium.example/
        #[arg(long)]
        hub: String,
        /// A file holding this workstation's token (from `commons-hub token create`), or `-`
        /// for standard input: never on the command line, where `ps` and shell history
        /// would show it
        #[arg(long, value_name = "FILE")]
        token_file: String,
        /// Write the system-wide file (/etc/commons/config.toml) instead of the user's
        #[arg(long)]
        system: bool,
        /// Write without asking the hub first (machines imaged offline)
        #[arg(long)]
        no_check: bool,
        /// Accept a plain http hub (a test hub, a network the consortium trusts)
        #[arg(long)]
        allow_insecure_http: bool,
        /// Start from a snapshot of a synced workstation of the same hub (`commons snapshot
        /// create`): its cache and index replace this workstation's, and the first sync
        /// asks only for what changed after it. A damaged snapshot, one of another hub or of
        /// a newer Commons is refused and nothing is written.
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
    },
    /// Snapshots of this workstation's cache and index, to start others from
    Snapshot {
        #[command(subcommand)]
        action: SnapshotAction,
    },
    /// Bring the cache up to date with the hub now, with progress
    Sync,
    /// Librarian accounts of a standalone workstation
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotAction {
    /// Write the cache and search index of this synced workstation to FILE (compressed,
    /// checksummed, recording the hub and its feed cursor)
    Create { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Create an account; the password is read from standard input (one line)
    Add {
        /// User name: 3 to 64 lower-case letters, digits, `.`, `-` or `_`
        username: String,
        /// The name shown when signed in
        #[arg(long)]
        name: String,
        /// The librarian (from the library data) this account belongs to
        #[arg(long)]
        librarian: Option<String>,
    },
}

/// Reads one line from standard input without echoing it on a terminal.
fn read_password() -> std::io::Result<String> {
    use std::io::IsTerminal as _;
    let terminal = std::io::stdin().is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if terminal {
        eprint!("Password (at least 10 characters): ");
        let _ = std::io::stderr().flush();
        stty("-echo");
    }
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if terminal {
        stty("echo");
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `commons account add USERNAME --name NAME [--librarian ID]`.
pub fn account(config: &Config, action: &AccountAction) -> ExitCode {
    let AccountAction::Add {
        username,
        name,
        librarian,
    } = action;
    let ws = Workstation::new(config.clone());
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let password = match read_password() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("commons: cannot read the password: {e}");
            return ExitCode::FAILURE;
        }
    };
    match ws.create_account(username, name, &password, librarian.as_deref()) {
        Ok(a) => {
            println!("created the account {} ({})", a.username, a.display_name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
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
                let family = match report.unimarc {
                    0 => String::new(),
                    n if n == report.read => " (read as UNIMARC)".to_owned(),
                    n => format!(" ({n} of them read as UNIMARC)"),
                };
                eprintln!(
                    "\r{name}: {} read, {} imported, {} updated, {} unchanged, {} rejected{family}",
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
        "read {}, imported {}, updated {}, unchanged {}, deleted {}, rejected {}, warnings {}, \
         without a discipline {}",
        total.read,
        total.imported,
        total.updated,
        total.unchanged,
        total.deleted,
        total.rejected.len(),
        total.warnings.len(),
        total.unclassified
    );
    if total.holdings_records > 0 {
        println!(
            "holdings records: {} (their holdings go to the records their 004 names)",
            total.holdings_records
        );
    }
    if total.unimarc > 0 {
        println!(
            "read as UNIMARC: {} of {} records (the rest as MARC 21 or Dublin Core)",
            total.unimarc, total.read
        );
    }
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

/// `commons original ID`: the record's original on standard output.
pub fn original(config: &Config, id: &str) -> ExitCode {
    let ws = Workstation::new(config.clone());
    match ws.original(id) {
        Ok(Some(original)) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&original.body).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("commons: writing the original: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Ok(None) => {
            eprintln!("commons: the cache holds no original for {id}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons compact`: compresses what is stored as sent and shrinks the cache file.
pub fn compact(config: &Config) -> ExitCode {
    let ws = Workstation::new(config.clone());
    let started = std::time::Instant::now();
    match ws.compact() {
        Ok(done) => {
            let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
            println!(
                "{} originals stored as sent compressed, {} now with a dictionary ({} trained); cache {:.1} MiB -> {:.1} MiB in {:.1} s",
                done.as_sent,
                done.with_dictionary,
                done.dictionaries,
                mib(done.bytes_before),
                mib(done.bytes_after),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons extract`: extracts pending documents with progress, then prints the counts.
pub fn extract(config: &Config) -> ExitCode {
    let ws = Workstation::new(config.clone());
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("commons: cannot find its own program file: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = ws.extract_pending(&exe, &mut |done, total, title| {
        eprint!("\rextracting {done} of {total}: {title:<60.60}");
        let _ = std::io::stderr().flush();
    });
    eprintln!();
    match (result, ws.extraction_status()) {
        (Ok(_), Ok((c, _))) => {
            println!(
                "documents: {} indexed ({} pages), {} without text, {} pending",
                c.indexed, c.pages, c.rejected, c.pending
            );
            ExitCode::SUCCESS
        }
        (Err(e), _) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
        (_, Err(e)) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons provision --hub URL --token T [--system] [--no-check]`.
/// Reads the token from `file` (`-`: standard input): its first line, trimmed.
fn read_token(file: &str) -> std::io::Result<String> {
    let text = if file == "-" {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line
    } else {
        std::fs::read_to_string(file)?
    };
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}

pub fn provision(
    hub: &str,
    token_file: &str,
    system: bool,
    no_check: bool,
    allow_insecure_http: bool,
    snapshot: Option<&std::path::Path>,
) -> ExitCode {
    let token = match read_token(token_file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("commons: the token cannot be read from {token_file}: {e}");
            return ExitCode::from(2);
        }
    };
    let token = token.as_str();
    let paths = Config::paths_with(&|name| std::env::var(name).ok());
    let path = if system { paths.system } else { paths.user };
    if !no_check {
        let url = match hub.parse::<url::Url>() {
            Ok(u) => u,
            Err(e) => {
                eprintln!("commons: `{hub}` is not a URL: {e}");
                return ExitCode::from(2);
            }
        };
        let transport = if allow_insecure_http {
            commons_core::sync::Transport::AllowInsecureHttp
        } else {
            commons_core::sync::Transport::HttpsOnly
        };
        let check = commons_core::sync::Hub::new(
            url,
            token.to_owned(),
            std::time::Duration::from_secs(10),
            transport,
        )
        .and_then(|h| h.changes("", 1));
        if let Err(e) = check {
            eprintln!("commons: {e}");
            eprintln!("nothing written; use --no-check to write it anyway");
            return ExitCode::FAILURE;
        }
        println!("the hub answered and accepted the token");
    }
    if let Some(file) = snapshot {
        // Into the data directory of the configuration in effect; checked whole before
        // anything is replaced, and before the configuration is written.
        let (config, url) = match (Config::load(), hub.parse::<url::Url>()) {
            (Ok(c), Ok(u)) => (c, u),
            (Err(e), _) => {
                eprintln!("commons: {e}");
                return ExitCode::from(2);
            }
            (_, Err(e)) => {
                eprintln!("commons: `{hub}` is not a URL: {e}");
                return ExitCode::from(2);
            }
        };
        let started = std::time::Instant::now();
        match commons_core::snapshot::install(&config, file, &url) {
            Ok(m) => println!(
                "started from the snapshot of {} ({} records, feed cursor {}, made {} by Commons {}) into {} in {:.1} s",
                m.hub,
                m.records,
                m.cursor,
                m.created_at,
                m.commons,
                config.data_dir.value.display(),
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("commons: {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        }
    }
    match commons_core::config::provision(&path, hub, token, allow_insecure_http) {
        Ok(url) => println!("hub {url} written to {}", path.display()),
        Err(e) => {
            eprintln!("commons: {e}");
            return ExitCode::from(2);
        }
    }
    // A workstation joined to a hub holds none of the demo: what a demo run seeded goes now,
    // in one transaction, before anyone can use it.
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("commons: {e}");
            return ExitCode::from(2);
        }
    };
    match Workstation::new(config).remove_demo() {
        Ok(Some(removed)) => {
            println!(
                "the demo consortium was removed from this workstation's cache: {} rows ({}), {} document files",
                removed.total(),
                removed
                    .rows
                    .iter()
                    .map(|(table, n)| format!("{table} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                removed.files
            );
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("commons: the demo data could not be removed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons snapshot create FILE`.
pub fn snapshot(config: &Config, action: &SnapshotAction) -> ExitCode {
    let SnapshotAction::Create { file } = action;
    let ws = Workstation::new(config.clone());
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    match ws.snapshot_create(file) {
        Ok(m) => {
            println!(
                "{}: {} records of {} at feed cursor {}, {:.1} MiB, in {:.1} s",
                file.display(),
                m.records,
                m.hub,
                m.cursor,
                m.body_bytes as f64 / (1024.0 * 1024.0),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons sync`: one sync with the hub, with progress.
pub fn sync(config: &Config) -> ExitCode {
    let ws = Workstation::new(config.clone());
    let hub = match ws.hub() {
        Ok(Some(hub)) => hub,
        Ok(None) => {
            eprintln!("commons: no hub configured (commons provision --hub URL --token-file FILE)");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("commons: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = ws.prepare(&mut |_| {}) {
        eprintln!("commons: {e}");
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    match ws.sync_from(&hub) {
        Ok(report) => {
            println!(
                "up to date with {}: {} pages, {} records changed, {} libraries, {} documents downloaded, {} changes skipped in {:.1} s",
                hub.url(),
                report.pages,
                report.records,
                report.libraries,
                report.documents,
                report.skipped.len(),
                started.elapsed().as_secs_f64()
            );
            for s in &report.skipped {
                println!("  skipped: {s}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("commons: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `commons confine --read PATH… -- PROGRAM ARGS…`: confines this process (Landlock), then
/// becomes `PROGRAM`. Exits 4, saying why on standard error, when it cannot be confined.
pub fn confine(reads: &[PathBuf], program: &[std::ffi::OsString]) -> ExitCode {
    use std::os::unix::process::CommandExt as _;
    let Some((program, args)) = program.split_first() else {
        eprintln!("commons confine: no program to run");
        return ExitCode::from(2);
    };
    if let Err(e) = commons_core::documents::confine::restrict(reads) {
        eprintln!("commons confine: {e}");
        return ExitCode::from(4);
    }
    let e = std::process::Command::new(program).args(args).exec();
    eprintln!(
        "commons confine: {} could not start: {e}",
        program.to_string_lossy()
    );
    ExitCode::from(127)
}
