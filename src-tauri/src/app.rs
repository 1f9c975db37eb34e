//! Building and running the Tauri application.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use commons_core::{Config, Workstation};
use tauri::Manager as _;

use crate::commands::{self, AppState};
use crate::logging;

fn document_response(ws: &Workstation, sha: &str) -> tauri::http::Response<Vec<u8>> {
    // The page's origin (tauri://localhost) differs from doc://localhost; the scheme is only
    // reachable from the app's own webview, so any origin may read it.
    let builder = tauri::http::Response::builder()
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*");
    let response = match ws.document_bytes(sha) {
        Ok(bytes) => builder
            .status(200)
            .header("Content-Type", "application/pdf")
            .body(bytes),
        Err(e) => {
            tracing::warn!(error = %e, "a document could not be served");
            let status = if e.code() == "not_found" { 404 } else { 500 };
            builder
                .status(status)
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(e.code().as_bytes().to_vec())
        }
    };
    response.unwrap_or_default()
}

/// Tells WebKit whether the window paints through the GPU (`kiosk.hardware_acceleration`).
/// Painting in software spares the page's process a GL context and a compositor's layers
/// (about 90 MiB on the start-up benchmark's machine); the benchmark's bare window calls this
/// too, so that both are compared in the same mode.
pub fn set_painting(
    window: &tauri::WebviewWindow,
    hardware_acceleration: bool,
) -> tauri::Result<()> {
    #[cfg(target_os = "linux")]
    window.with_webview(move |webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(if hardware_acceleration {
                HardwareAccelerationPolicy::Always
            } else {
                HardwareAccelerationPolicy::Never
            });
        }
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = (window, hardware_acceleration);
    Ok(())
}

/// JavaScriptCore's thresholds for its optimizing compiler (DFG), as an execution count,
/// unless set already. At the default (1,000) the reactive runtime's few hottest functions
/// are optimized while the first screen is drawn, and paging in the optimizing compiler
/// keeps 3 MiB resident in the web process for as long as the window is open; at 20,000
/// nothing is optimized until the page does sustained work, such as rendering a document's
/// pages or typing a search, where a loop reaches the threshold within a millisecond.
const JSC_OPTIMIZE_AFTER: &str = "20000";

/// Sets the web engine's tuning in the environment, which WebKit's web process inherits.
/// Called first in `main`, while the process has one thread: setting the environment is
/// only sound while no other thread can read it.
pub fn tune_web_engine() {
    for name in [
        "JSC_thresholdForOptimizeAfterWarmUp",
        "JSC_thresholdForOptimizeAfterLongWarmUp",
        "JSC_thresholdForOptimizeSoon",
    ] {
        if std::env::var_os(name).is_none() {
            // SAFETY: called at the start of `main`, before any thread is started, so no
            // other thread reads or writes the environment meanwhile.
            #[allow(unsafe_code)]
            unsafe {
                std::env::set_var(name, JSC_OPTIMIZE_AFTER);
            }
        }
    }
}

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
    let fullscreen = config.kiosk_fullscreen.value;
    let hardware_acceleration = config.kiosk_hardware_acceleration.value;
    let state = AppState {
        workstation: Arc::new(Workstation::new(config)),
        started,
        exit_when_ready: std::env::var_os("COMMONS_EXIT_WHEN_READY").is_some(),
    };
    let result = tauri::Builder::default()
        .plugin(crate::guard::plugin())
        .setup(move |app| {
            // A public workstation: full screen, no title bar to drag or close.
            if fullscreen && let Some(window) = app.get_webview_window("main") {
                window.set_decorations(false)?;
                window.set_fullscreen(true)?;
            }
            if let Some(window) = app.get_webview_window("main") {
                set_painting(&window, hardware_acceleration)?;
            }
            Ok(())
        })
        .manage(state)
        .register_asynchronous_uri_scheme_protocol("doc", |ctx, request, responder| {
            // `doc://localhost/<sha256>`: a stored document, for the viewer. Only an id is
            // accepted, never a path; core checks the bytes against it.
            let state = ctx.app_handle().state::<AppState>();
            let ws = Arc::clone(&state.workstation);
            let sha = request.uri().path().trim_start_matches('/').to_owned();
            tauri::async_runtime::spawn_blocking(move || {
                responder.respond(document_response(&ws, &sha));
            });
        })
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
