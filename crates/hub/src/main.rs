//! `commons-hub`: migrate, serve, tokens, libraries.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commons_hub::{Db, feed, server, tokens};

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
        #[arg(long)]
        oai: Option<String>,
    },
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
            Command::Library {
                action: LibraryAction::Add { id, name, oai },
            } => {
                feed::upsert_library(&db, &id, &name, oai.as_deref())
                    .await
                    .map_err(|e| e.to_string())?;
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
