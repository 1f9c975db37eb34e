//! The window stays the app: every navigation of a webview to anything but the app's own
//! pages (a link dropped on the window, `window.location` set by a page, a shortcut) is
//! refused. Outside links open only in the system browser, through `links::open`.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Runtime, Url};

/// Whether `url` is one of the app's own pages: the embedded UI (`tauri://localhost`, or
/// `http://tauri.localhost` where the platform serves it so), and the Vite dev server in a
/// development build.
pub fn is_app_url(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "tauri" => host == "localhost",
        "http" | "https" if host == "tauri.localhost" => true,
        "http" => {
            cfg!(not(feature = "custom-protocol"))
                && host == "localhost"
                && url.port() == Some(5173)
        }
        _ => false,
    }
}

/// The plugin that refuses navigations away from the app.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = is_app_url(url);
            if !allowed {
                // The scheme only: the address itself may be something a patron typed.
                tracing::warn!(
                    scheme = url.scheme(),
                    "a navigation away from the app was refused"
                );
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_app_s_own_pages_are_allowed() {
        let cases = [
            ("tauri://localhost/", true),
            ("tauri://localhost/#/catalogue?q=x", true),
            ("http://tauri.localhost/index.html", true),
            ("https://example.org/", false),
            ("http://evil.example/tauri.localhost", false),
            ("file:///etc/passwd", false),
            ("tauri://elsewhere/", false),
            ("javascript:alert(1)", false),
            ("data:text/html,<h1>hi</h1>", false),
            ("doc://localhost/abc", false),
        ];
        for (url, allowed) in cases {
            assert_eq!(is_app_url(&Url::parse(url).unwrap()), allowed, "{url}");
        }
    }
}
