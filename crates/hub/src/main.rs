//! `commons-hub`: migrate, serve, tokens, libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commons_hub::{Db, feed, harvest, server, tokens};

#[derive(Debug, Parser)]
#[command(name = "commons-hub", version, about = "The Commons consortium hub")]
struct Cli {
    /// PostgreSQL connection (libpq style); default from COMMONS_HUB_DATABASE
    #[arg(long, env = "COMMONS_HUB_DATABASE")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply the database migrations not yet applied
    Migrate,
    /// Serve the API
    Serve {
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: String,
    },
    /// Harvest member libraries over OAI-PMH (every library with a base URL when none is named)
    Harvest {
        libraries: Vec<String>,
        /// Seconds before a request to a provider is given up (then retried)
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Workstation tokens
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Member libraries
    Library {
        #[command(subcommand)]
        action: LibraryAction,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create a token (printed once)
    Create {
        name: String,
    },
    List,
    Revoke {
        id: i64,
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
        /// OAI-PMH metadata prefix: marcxml or oai_dc
        #[arg(long, default_value = "marcxml")]
        prefix: String,
        /// OAI-PMH set to harvest
        #[arg(long)]
        set: Option<String>,
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
    let db = match Db::connect(&cli.database, 8) {
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
                db.migrate().await.map_err(|e| e.to_string())?;
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("{listen}: {e}"))?;
                tracing::info!(%listen, "serving");
                axum::serve(listener, server::router(db))
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Command::Token {
                action: TokenAction::Create { name },
            } => {
                println!(
                    "{}",
                    tokens::create(&db, &name)
                        .await
                        .map_err(|e| e.to_string())?
                );
            }
            Command::Token {
                action: TokenAction::List,
            } => {
                for t in tokens::list(&db).await.map_err(|e| e.to_string())? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        t.id,
                        t.name,
                        t.created_at,
                        if t.revoked { "revoked" } else { "live" }
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
                    },
            } => {
                feed::upsert_library(
                    &db,
                    &feed::LibraryInput {
                        id: &id,
                        name: &name,
                        base_url: oai.as_deref(),
                        metadata_prefix: &prefix,
                        set_spec: set.as_deref(),
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            Command::Library {
                action: LibraryAction::List,
            } => {
                for l in feed::libraries(&db).await.map_err(|e| e.to_string())? {
                    println!(
                        "{}\t{}\t{}\t{}\tlast success: {}\t{}",
                        l.id,
                        l.name,
                        l.base_url.as_deref().unwrap_or("-"),
                        l.metadata_prefix,
                        l.last_success.as_deref().unwrap_or("never"),
                        l.last_error.as_deref().unwrap_or(""),
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
