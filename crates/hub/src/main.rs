//! `commons-hub`: migrate, serve, harvest, tokens, libraries.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commons_hub::{Db, feed, harvest, server, tokens};

#[derive(Debug, Parser)]
#[command(name = "commons-hub", version, about = "The Commons consortium hub")]
struct Cli {
    /// Configuration file (TOML); /etc/commons/hub.toml is read when it exists
    #[arg(long, env = "COMMONS_HUB_CONFIG")]
    config: Option<PathBuf>,
    /// PostgreSQL connection (libpq style); overrides the file's `database`
    #[arg(long, env = "COMMONS_HUB_DATABASE")]
    database: Option<String>,
    /// Directory of the shared documents; overrides the file's `documents_dir`
    #[arg(long, env = "COMMONS_HUB_DOCUMENTS")]
    documents_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The configuration file. Flags and environment variables override it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<String>,
    listen: Option<String>,
    documents_dir: Option<PathBuf>,
    #[serde(default)]
    harvest: HarvestConfig,
    #[serde(default)]
    fleet: FleetConfig,
    #[serde(default)]
    sharing: SharingConfig,
    /// Days after a consultation before the student's personal data is purged.
    retention_days: Option<u32>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct HarvestConfig {
    /// While serving, harvest each library this often (minutes; 0: only libraries with
    /// their own schedule, the rest by `commons-hub harvest` from cron).
    every_minutes: i32,
    /// Seconds before a request to a provider is given up (then retried).
    timeout_secs: u64,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FleetConfig {
    /// A workstation not seen for this many days is flagged by `workstations`.
    stale_days: u32,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig { stale_days: 3 }
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SharingConfig {
    /// Days a delivered copy (document delivery) can be opened before it is deleted.
    delivery_days: u32,
    /// The largest delivered copy taken, in MiB.
    delivery_max_mb: u64,
    /// Requests one workstation may place in any hour.
    requests_per_hour: u32,
}

impl Default for SharingConfig {
    fn default() -> Self {
        let d = server::Delivery::default();
        SharingConfig {
            delivery_days: d.days,
            delivery_max_mb: d.max_bytes / (1024 * 1024),
            requests_per_hour: commons_hub::sharing::REQUESTS_PER_HOUR,
        }
    }
}

impl Default for HarvestConfig {
    fn default() -> Self {
        HarvestConfig {
            every_minutes: 0,
            timeout_secs: 60,
        }
    }
}

fn file_config(path: Option<&PathBuf>) -> Result<FileConfig, String> {
    let (path, required) = match path {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("/etc/commons/hub.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileConfig::default());
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let config: FileConfig =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if config.harvest.every_minutes != 0 && config.harvest.every_minutes < 5 {
        return Err(format!(
            "{}: harvest.every_minutes is 0 or at least 5",
            path.display()
        ));
    }
    if config
        .retention_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        return Err(format!("{}: retention_days is 1 to 3650", path.display()));
    }
    if !(1..=365).contains(&config.sharing.delivery_days) {
        return Err(format!(
            "{}: sharing.delivery_days is 1 to 365",
            path.display()
        ));
    }
    if !(1..=100_000).contains(&config.sharing.requests_per_hour) {
        return Err(format!(
            "{}: sharing.requests_per_hour is 1 to 100000",
            path.display()
        ));
    }
    if !(1..=1024).contains(&config.sharing.delivery_max_mb) {
        return Err(format!(
            "{}: sharing.delivery_max_mb is 1 to 1024",
            path.display()
        ));
    }
    if !(1..=600).contains(&config.harvest.timeout_secs) {
        return Err(format!(
            "{}: harvest.timeout_secs is 1 to 600",
            path.display()
        ));
    }
    Ok(config)
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply the database migrations not yet applied
    Migrate,
    /// Serve the API (and harvest on schedule)
    Serve {
        /// Address to listen on; default the file's `listen`, else 127.0.0.1:8470
        #[arg(long)]
        listen: Option<String>,
    },
    /// Harvest member libraries over OAI-PMH (every library with a base URL when none is named)
    Harvest {
        libraries: Vec<String>,
        /// Seconds before a request to a provider is given up (then retried); default the
        /// file's `harvest.timeout_secs`, else 60
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// Workstation tokens
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Librarian accounts (they sign in on any workstation to run their desk)
    Librarian {
        #[command(subcommand)]
        action: LibrarianAction,
    },
    /// The consortium's resource list (databases, journals, guides, software)
    Resource {
        #[command(subcommand)]
        action: ResourceAction,
    },
    /// Documents shared with every workstation
    Document {
        #[command(subcommand)]
        action: DocumentAction,
    },
    /// Member libraries
    Library {
        #[command(subcommand)]
        action: LibraryAction,
    },
    /// Who takes consultations: libraries' time zones, librarians, hours, consultation types
    Roster {
        #[command(subcommand)]
        action: RosterAction,
    },
    /// Resource sharing between member libraries
    Sharing {
        #[command(subcommand)]
        action: SharingAction,
    },
    /// The consortium's name, shown on every workstation's home screen
    Consortium {
        #[command(subcommand)]
        action: ConsortiumAction,
    },
    /// Every workstation token with its last contact, lag behind the feed, version and
    /// failing checks; those not seen for `fleet.stale_days` days are flagged
    Workstations {
        /// Flag those not seen for this many days (default the file's `fleet.stale_days`, else 3)
        #[arg(long)]
        stale_days: Option<u32>,
        /// One JSON array, for monitoring tools
        #[arg(long)]
        json: bool,
    },
    /// Purge students' personal data of consultations and requests past the retention period,
    /// and delivered copies past their time (serve does this every hour; this is for cron)
    Purge {
        /// Days to keep; default the file's `retention_days`, else 90
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum RosterAction {
    /// Import a JSON file `{"libraries": […], "librarians": […], "consultation_types": […]}`
    /// in the shape of the demo data, in one transaction; librarians left out have left (no
    /// new bookings)
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum ConsortiumAction {
    /// Set the name in English and Simplified Chinese
    Set {
        #[arg(long)]
        name: String,
        #[arg(long = "name-zh")]
        name_zh: String,
    },
}

#[derive(Debug, Subcommand)]
enum SharingAction {
    /// Set the order in which member libraries are asked to supply a request (among those
    /// holding an available copy, then among the rest); with no library, clear it: fewest
    /// open requests first
    Order { libraries: Vec<String> },
    /// Print the order of supplying libraries
    ShowOrder,
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create a token (printed once)
    Create {
        name: String,
        /// The member library whose Information Commons the workstation stands in (its
        /// usage statistics are that library's)
        #[arg(long)]
        library: Option<String>,
    },
    List,
    Revoke {
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum LibrarianAction {
    /// Create an account; the password is read from standard input (one line)
    Add {
        username: String,
        /// The name shown when signed in
        #[arg(long)]
        name: String,
        /// The librarian (from the roster) whose bookings this account runs; an office
        /// account may have none
        #[arg(long, required_unless_present = "office")]
        librarian: Option<String>,
        /// The consortium office: sees every member library's usage statistics
        #[arg(long)]
        office: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ResourceAction {
    /// Replace the list with a JSON file (an array of resources, as in the demo data);
    /// resources left out are retired on every workstation
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum DocumentAction {
    /// Share a PDF: stored under its SHA-256, announced to workstations
    Add {
        file: PathBuf,
        #[arg(long)]
        title: String,
        /// Discipline id (from the taxonomy)
        #[arg(long)]
        discipline: Option<String>,
        /// Union catalogue record (hub:N)
        #[arg(long)]
        record: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum LibraryAction {
    /// Add or update a member library
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// OAI-PMH base URL
        #[arg(long)]
        oai: Option<String>,
        /// OAI-PMH metadata prefix; by default the provider is asked (ListMetadataFormats) and
        /// MARCXML is chosen by its namespace whatever it is called (marcxml, marc21, MARC21,
        /// marc), else Dublin Core
        #[arg(long)]
        prefix: Option<String>,
        /// OAI-PMH set to harvest
        #[arg(long)]
        set: Option<String>,
        /// Harvest this library every N minutes while serving (default: the hub's schedule)
        #[arg(long)]
        every_minutes: Option<i32>,
        /// The IANA time zone its librarians keep their hours in (Europe/Berlin)
        #[arg(long)]
        time_zone: Option<String>,
        /// Its records' MARC: marc21, unimarc (CNMARC too) or auto (each record as its tags
        /// say; the default for a new library)
        #[arg(long)]
        marc: Option<String>,
    },
    /// List member libraries and where their harvests stand
    List,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let file = match file_config(cli.config.as_ref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("commons-hub: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(database) = cli.database.clone().or(file.database.clone()) else {
        eprintln!(
            "commons-hub: no database: --database, COMMONS_HUB_DATABASE or `database` in the configuration file"
        );
        return ExitCode::from(2);
    };
    let documents_dir = cli.documents_dir.clone().or(file.documents_dir.clone());
    let db = match Db::connect(&database, 16) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("commons-hub: {e}");
            return ExitCode::from(2);
        }
    };
    let result: Result<(), String> = async {
        match cli.command {
            Command::Migrate => {
                let n = db.migrate().await.map_err(|e| e.to_string())?;
                println!("applied {n} migrations");
            }
            Command::Serve { listen } => {
                let listen = listen
                    .or(file.listen.clone())
                    .unwrap_or_else(|| "127.0.0.1:8470".into());
                db.migrate().await.map_err(|e| e.to_string())?;
                tokio::spawn(harvest::scheduler(
                    db.clone(),
                    file.harvest.every_minutes,
                    std::time::Duration::from_secs(file.harvest.timeout_secs),
                ));
                tokio::spawn(commons_hub::purge::scheduler(
                    db.clone(),
                    file.retention_days.unwrap_or(commons_hub::purge::RETENTION_DAYS),
                    documents_dir.clone(),
                ));
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("{listen}: {e}"))?;
                tracing::info!(%listen, "serving");
                let shared = server::Shared {
                    db: db.clone(),
                    documents: documents_dir.clone().map(std::sync::Arc::new),
                    delivery: server::Delivery {
                        days: file.sharing.delivery_days,
                        max_bytes: file.sharing.delivery_max_mb * 1024 * 1024,
                    },
                    requests_per_hour: file.sharing.requests_per_hour,
                };
                axum::serve(listener, server::router_with(shared))
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Command::Sharing {
                action: SharingAction::Order { libraries },
            } => {
                commons_hub::sharing::set_supplier_order(&db, &libraries)
                    .await
                    .map_err(|e| e.to_string())?;
                if libraries.is_empty() {
                    println!("no order of suppliers: the library with the fewest open requests is asked first");
                } else {
                    println!(
                        "suppliers are asked in this order: {} (then the rest, fewest open requests first)",
                        libraries.join(", ")
                    );
                }
            }
            Command::Sharing {
                action: SharingAction::ShowOrder,
            } => {
                let order = commons_hub::sharing::supplier_order(&db)
                    .await
                    .map_err(|e| e.to_string())?;
                if order.is_empty() {
                    println!("(none: fewest open requests first)");
                }
                for library in order {
                    println!("{library}");
                }
            }
            Command::Consortium {
                action: ConsortiumAction::Set { name, name_zh },
            } => {
                feed::set_consortium(&db, &name, &name_zh)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("the consortium is now {name} ({name_zh}); workstations show it after their next sync");
            }
            Command::Purge { days } => {
                let days = days
                    .or(file.retention_days)
                    .unwrap_or(commons_hub::purge::RETENTION_DAYS);
                let purged = commons_hub::purge::personal_data(&db, days, jiff::Timestamp::now())
                    .await
                    .map_err(|e| e.to_string())?;
                let copies =
                    commons_hub::sharing::expire_deliveries(&db, documents_dir.as_deref())
                        .await
                        .map_err(|e| e.to_string())?;
                println!(
                    "personal data purged from {} consultations and {} sharing requests older than {days} days; {} ended sessions removed; {copies} expired delivered copies deleted",
                    purged.bookings, purged.requests, purged.sessions
                );
            }
            Command::Token {
                action: TokenAction::Create { name, library },
            } => {
                db.migrate().await.map_err(|e| e.to_string())?;
                println!(
                    "{}",
                    tokens::create_for(&db, &name, library.as_deref())
                        .await
                        .map_err(|e| e.to_string())?
                );
            }
            Command::Workstations { stale_days, json } => {
                db.migrate().await.map_err(|e| e.to_string())?;
                let days = stale_days.unwrap_or(file.fleet.stale_days);
                let fleet = commons_hub::fleet::list(&db, days)
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&fleet).map_err(|e| e.to_string())?
                    );
                } else {
                    println!("id\tname\tlibrary\tlast seen\tlag\tversion\tstate");
                    for w in &fleet {
                        let state = if w.revoked {
                            "revoked".to_owned()
                        } else if w.last_seen.is_none() {
                            "never seen".to_owned()
                        } else {
                            let mut s = Vec::new();
                            if w.stale {
                                s.push(format!("STALE (not seen for {days} days)"));
                            }
                            for c in &w.failing {
                                s.push(format!("FAIL {}: {}", c.name, c.detail));
                            }
                            if s.is_empty() { "ok".to_owned() } else { s.join("; ") }
                        };
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            w.id,
                            w.name,
                            w.library.as_deref().unwrap_or("-"),
                            w.last_seen.as_deref().unwrap_or("-"),
                            w.lag.map_or("-".to_owned(), |l| l.to_string()),
                            w.version.as_deref().unwrap_or("-"),
                            state
                        );
                    }
                }
                if fleet.iter().any(|w| !w.revoked && (w.stale || !w.failing.is_empty())) {
                    return Err("some workstations are stale or failing".into());
                }
            }
            Command::Token {
                action: TokenAction::List,
            } => {
                for t in tokens::list(&db).await.map_err(|e| e.to_string())? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        t.id,
                        t.name,
                        t.created_at,
                        if t.revoked { "revoked" } else { "live" },
                        t.library.as_deref().unwrap_or("(no library)")
                    );
                }
            }
            Command::Token {
                action: TokenAction::Revoke { id },
            } => {
                if !tokens::revoke(&db, id).await.map_err(|e| e.to_string())? {
                    return Err(format!("no live token {id}"));
                }
            }
            Command::Harvest { libraries, timeout } => {
                let timeout = timeout.unwrap_or(file.harvest.timeout_secs);
                db.migrate().await.map_err(|e| e.to_string())?;
                let libraries = if libraries.is_empty() {
                    feed::libraries(&db)
                        .await
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .filter(|l| l.base_url.is_some())
                        .map(|l| l.id)
                        .collect()
                } else {
                    libraries
                };
                let mut failed = 0;
                for library in &libraries {
                    match harvest::harvest(&db, library, std::time::Duration::from_secs(timeout)).await {
                        Ok(r) => {
                            println!(
                                "{library}: {} pages, {} records added or changed, {} unchanged, {} deleted, {} rejected{}{}",
                                r.pages,
                                r.records,
                                r.unchanged,
                                r.deleted,
                                r.rejected.len(),
                                if r.resumed { ", resumed from its last token" } else { "" },
                                if r.restarted { ", started again (token refused)" } else { "" },
                            );
                            for reason in &r.rejected {
                                println!("  rejected: {reason}");
                            }
                        }
                        Err(e) => {
                            failed += 1;
                            eprintln!("{library}: {e}");
                        }
                    }
                }
                if failed > 0 {
                    return Err(format!("{failed} of {} harvests failed", libraries.len()));
                }
            }
            Command::Library {
                action:
                    LibraryAction::Add {
                        id,
                        name,
                        oai,
                        prefix,
                        set,
                        every_minutes,
                        time_zone,
                        marc,
                    },
            } => {
                let prefix = match &oai {
                    // What the provider offers decides (or confirms what was asked).
                    Some(url) => {
                        let choice = harvest::choose_prefix(
                            url,
                            prefix.as_deref(),
                            std::time::Duration::from_secs(file.harvest.timeout_secs),
                        )
                        .await
                        .map_err(|e| format!("{id}: {e}"))?;
                        println!("{id}: harvesting {}", choice.why);
                        choice.prefix
                    }
                    None => prefix.unwrap_or_else(|| "marcxml".to_owned()),
                };
                feed::upsert_library(
                    &db,
                    &feed::LibraryInput {
                        id: &id,
                        name: &name,
                        base_url: oai.as_deref(),
                        metadata_prefix: &prefix,
                        set_spec: set.as_deref(),
                        every_minutes,
                        time_zone: time_zone.as_deref(),
                        marc_family: marc.as_deref(),
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            Command::Librarian {
                action:
                    LibrarianAction::Add {
                        username,
                        name,
                        librarian,
                        office,
                    },
            } => {
                db.migrate().await.map_err(|e| e.to_string())?;
                let mut password = String::new();
                std::io::stdin()
                    .read_line(&mut password)
                    .map_err(|e| e.to_string())?;
                let password = password.trim_end_matches(['\r', '\n']);
                let role = if office {
                    commons_hub::librarians::Role::Office
                } else {
                    commons_hub::librarians::Role::Librarian
                };
                let librarian = librarian.unwrap_or_default();
                commons_hub::librarians::add_with_role(
                    &db, &username, &name, &librarian, password, role,
                )
                .await
                .map_err(|e| e.to_string())?;
                if office {
                    println!("office account {username} created");
                } else {
                    println!("account {username} created for {librarian}");
                }
            }
            Command::Roster {
                action: RosterAction::Import { file: path },
            } => {
                db.migrate().await.map_err(|e| e.to_string())?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let roster: commons_hub::roster::Roster =
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let r = commons_hub::roster::import(&db, &roster)
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                println!(
                    "{} libraries, {} librarians added or changed, {} left, {} weekly hours and {} consultation types changed",
                    r.libraries, r.librarians, r.left, r.schedules, r.types
                );
            }
            Command::Resource {
                action: ResourceAction::Import { file: path },
            } => {
                db.migrate().await.map_err(|e| e.to_string())?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let list: Vec<commons_protocol::resources::SharedResource> =
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let r = feed::import_resources(&db, &list)
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                println!(
                    "{} resources added or changed, {} unchanged, {} retired",
                    r.added_or_changed, r.unchanged, r.retired
                );
            }
            Command::Document {
                action:
                    DocumentAction::Add {
                        file: path,
                        title,
                        discipline,
                        record,
                    },
            } => {
                let dir = documents_dir.clone().ok_or(
                    "no document directory: --documents-dir, COMMONS_HUB_DOCUMENTS or `documents_dir` in the configuration file",
                )?;
                db.migrate().await.map_err(|e| e.to_string())?;
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let sha = commons_hub::documents::add(
                    &db,
                    &dir,
                    &bytes,
                    &commons_hub::documents::NewDocument {
                        title,
                        file_name,
                        discipline_id: discipline,
                        record_id: record,
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                println!("{sha}");
            }
            Command::Library {
                action: LibraryAction::List,
            } => {
                for l in feed::libraries(&db).await.map_err(|e| e.to_string())? {
                    println!(
                        "{}\t{}\t{}\t{} ({})\ttime zone {}\tevery {}\tlast success: {}\t{}{}",
                        l.id,
                        l.name,
                        l.base_url.as_deref().unwrap_or("-"),
                        l.metadata_prefix,
                        l.marc_family.as_deref().unwrap_or("MARC detected per record"),
                        l.time_zone.as_deref().unwrap_or("not set"),
                        l.every_minutes
                            .map_or_else(|| "(hub default)".to_owned(), |m| format!("{m} min")),
                        l.last_success.as_deref().unwrap_or("never"),
                        l.last_error.as_deref().unwrap_or(""),
                        match &l.last_merge_refusal {
                            Some(last) => format!(
                                "\tmerges refused: {} (last: {last})",
                                l.merge_refusals
                            ),
                            None => String::new(),
                        },
                    );
                }
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("commons-hub: {e}");
            ExitCode::FAILURE
        }
    }
}
