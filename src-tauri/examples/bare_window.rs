//! A bare Tauri window (one line of text, no commands, no cache) with the same configuration
//! as Commons: the baseline the start-up benchmark compares Commons' memory against. The page
//! is a real document served by a custom protocol, so WebKit starts its web process as it
//! does for Commons.

const PAGE: &[u8] = b"<!doctype html><title>bare</title><p>A bare window.</p>";

fn main() {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .register_uri_scheme_protocol("bare", |_, _| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(PAGE.to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = "bare://localhost/".parse().map_err(|e| format!("{e}"))?;
            let window = tauri::WebviewWindowBuilder::new(
                app,
                "main",
                tauri::WebviewUrl::CustomProtocol(url),
            )
            .title("bare")
            .inner_size(1280.0, 800.0)
            .build()?;
            // Painted as Commons' window is by default (`COMMONS_KIOSK_HARDWARE_ACCELERATION`
            // set to 1 compares both with the GPU's compositing).
            let gpu = std::env::var("COMMONS_KIOSK_HARDWARE_ACCELERATION")
                .is_ok_and(|v| v == "1" || v == "true");
            commons_app::set_painting(&window, gpu)?;
            Ok(())
        })
        .run(context)
        .expect("the bare window runs");
}
