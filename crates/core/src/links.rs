//! Links to outside resources: checked, then opened in the system browser, never inside the
//! app window.
//!
//! Only `http` and `https` URLs with a host are links; when the configuration lists allowed
//! domains, the host must be one of them or a subdomain. The opener runs with the URL as
//! its single argument (no shell), detached from the app.

use std::path::Path;
use std::process::{Command, Stdio};

/// Why a link was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("`{0}` is not a web address")]
    NotAUrl(String),
    #[error("`{url}` uses `{scheme}:`; only http and https links can be opened")]
    Scheme { url: String, scheme: String },
    #[error("{host} is not among the domains this workstation may open")]
    DomainNotAllowed { host: String },
    #[error("the browser could not be started: {0}")]
    Opener(String),
}

impl LinkError {
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::NotAUrl(_) => "link_not_a_url",
            LinkError::Scheme { .. } => "link_scheme",
            LinkError::DomainNotAllowed { .. } => "link_domain",
            LinkError::Opener(_) => "link_opener",
        }
    }
}

/// Parses `url` and checks that it is an http(s) link with a host.
pub fn check_web_url(url: &str) -> Result<url::Url, LinkError> {
    use commons_protocol::resources::WebUrlError;
    commons_protocol::resources::check_web_url(url).map_err(|e| match e {
        WebUrlError::NotAUrl(url) => LinkError::NotAUrl(url),
        WebUrlError::Scheme { url, scheme } => LinkError::Scheme { url, scheme },
    })
}

/// Checks `url` as a link this workstation may open.
pub fn check(url: &str, allowed_domains: &[String]) -> Result<url::Url, LinkError> {
    let parsed = check_web_url(url)?;
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let allowed = allowed_domains.is_empty()
        || allowed_domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if allowed {
        Ok(parsed)
    } else {
        Err(LinkError::DomainNotAllowed { host })
    }
}

/// The platform's program that opens a URL in the default browser.
fn system_opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    }
}

/// Checks `url` and opens it with `opener` (or the platform's opener).
pub fn open(
    url: &str,
    allowed_domains: &[String],
    opener: Option<&Path>,
) -> Result<url::Url, LinkError> {
    let url = check(url, allowed_domains)?;
    let program = opener.map_or_else(|| system_opener().into(), |p| p.as_os_str().to_owned());
    let mut child = Command::new(program)
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| LinkError::Opener(e.to_string()))?;
    // Reap the opener when it exits so it does not linger as a zombie.
    std::thread::spawn(move || child.wait());
    tracing::info!(url = %url, "opened a link in the system browser");
    Ok(url)
}

/// Opens a file this session saved with the system's opener (the configured one, else
/// `xdg-open`).
pub fn open_file(path: &Path, opener: Option<&Path>) -> Result<(), LinkError> {
    let program = opener.map_or_else(|| system_opener().into(), |p| p.as_os_str().to_owned());
    let mut child = Command::new(program)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| LinkError::Opener(e.to_string()))?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_on_allowed_domains() {
        let none: &[String] = &[];
        for ok in [
            "https://pubmed.ncbi.nlm.nih.gov/",
            "http://example.org/a?b=c#d",
            "  https://arxiv.org/  ",
        ] {
            assert!(check(ok, none).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("javascript:alert(1)", "link_scheme"),
            ("JavaScript:alert(1)", "link_scheme"),
            ("file:///etc/passwd", "link_scheme"),
            ("data:text/html,<script>", "link_scheme"),
            ("ftp://example.org/", "link_scheme"),
            ("mailto:a@example.org", "link_scheme"),
            ("not a url", "link_not_a_url"),
            ("", "link_not_a_url"),
            ("//example.org", "link_not_a_url"),
            ("https://", "link_not_a_url"),
        ] {
            assert_eq!(check(bad, none).unwrap_err().code(), code, "{bad}");
        }
        let allowed = vec!["ncbi.nlm.nih.gov".to_owned(), "arxiv.org".to_owned()];
        assert!(check("https://pubmed.ncbi.nlm.nih.gov/x", &allowed).is_ok());
        assert!(check("https://ARXIV.org/", &allowed).is_ok());
        for bad in [
            "https://evilarxiv.org/",
            "https://arxiv.org.evil.example/",
            "https://example.org/arxiv.org",
        ] {
            assert_eq!(
                check(bad, &allowed).unwrap_err().code(),
                "link_domain",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_opener_gets_the_url_as_one_argument() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("opened");
        let script = dir.path().join("opener.sh");
        std::fs::write(
            &script,
            format!(
                // Written whole, then renamed: the test never reads a half-written file.
                "#!/bin/sh\nprintf '%s|%s' \"$1\" \"$#\" > {0}.tmp && mv {0}.tmp {0}\n",
                out.display()
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        open("https://example.org/a b;c", &[], Some(&script)).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !out.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "https://example.org/a%20b;c|1"
        );
        assert_eq!(
            open("file:///etc/passwd", &[], Some(&script))
                .unwrap_err()
                .code(),
            "link_scheme"
        );
        assert_eq!(
            open(
                "https://example.org/",
                &[],
                Some(Path::new("/no/such/opener"))
            )
            .unwrap_err()
            .code(),
            "link_opener"
        );
    }
}
