//! Building and running the Tauri application.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use commons_core::{Config, Workstation};

use crate::commands::{self, AppState};
use crate::logging;

pub fn run(config: Config) -> ExitCode {
    let started = Instant::now();
    let _guard = logging::init(&config);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        cache = %config.cache_path().display(),
        hub = config.hub_url.value.as_ref().map_or("none", |u| u.as_str()),
        "starting Commons"
    );
    let specta = commands::specta_builder();
    let state = AppState {
        workstation: Arc::new(Workstation::new(config)),
        started,
        exit_when_ready: std::env::var_os("COMMONS_EXIT_WHEN_READY").is_some(),
    };
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(specta.invoke_handler())
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the window could not be opened");
            eprintln!("commons: the window could not be opened: {e}");
            ExitCode::FAILURE
        }
    }
}
