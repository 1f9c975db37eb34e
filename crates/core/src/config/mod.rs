//! Layered configuration: built-in defaults < `/etc/commons/config.toml` < the user's
//! `$XDG_CONFIG_HOME/commons/config.toml` < `COMMONS_*` environment variables.
//!
//! Every effective value remembers where it came from ([`Source`]) so `commons config` can
//! say so. Loading is all or nothing: an unreadable file, an unknown key, a value of the
//! wrong type or out of range is a [`ConfigError`] naming the file, line and key (or the
//! environment variable), and no partially read configuration is ever returned.

mod file;
pub mod xdg;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use file::{ConfigError, provision};

/// What a workstation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The embedded demo consortium and its demo account (a fresh checkout, a trial).
    Demo,
    /// A library's own workstation: no demo data, no demo account; filled by `commons
    /// import` and `commons account add`, or by its hub.
    Production,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Demo => "demo",
            Mode::Production => "production",
        }
    }
}

/// The languages the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-Hans")]
    SimplifiedChinese,
}

impl Language {
    /// The BCP 47 tag, as stored and as used by the UI.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::SimplifiedChinese => "zh-Hans",
        }
    }

    /// Parses a BCP 47 tag this interface speaks.
    pub fn from_tag(tag: &str) -> Option<Language> {
        match tag {
            "en" => Some(Language::English),
            "zh-Hans" => Some(Language::SimplifiedChinese),
            _ => None,
        }
    }
}

/// Log verbosity when `RUST_LOG` is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File { path: PathBuf, line: usize },
    Env(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Env(var) => write!(f, "environment {var}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            source: Source::Default,
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the cache and the document store live.
    pub data_dir: Setting<PathBuf>,
    /// Demo (the default) or production.
    pub mode: Setting<Mode>,
    /// The interface language until a user picks one.
    pub language: Setting<Language>,
    /// The consortium hub; `None` runs standalone on the embedded demo data.
    pub hub_url: Setting<Option<url::Url>>,
    /// The workstation token presented to the hub.
    pub hub_token: Setting<Option<String>>,
    /// Whether a plain `http://` hub may be used (tests, a trusted network); off by default.
    pub hub_allow_insecure_http: Setting<bool>,
    /// Timeout of every request to the hub.
    pub hub_timeout: Setting<Duration>,
    /// How long the workstation waits between two syncs while the hub answers.
    pub hub_sync_interval: Setting<Duration>,
    pub log_level: Setting<LogLevel>,
    /// How many daily log files to keep.
    pub log_keep_files: Setting<u32>,
    /// Days after a consultation when its personal data is purged.
    pub booking_retention_days: Setting<u32>,
    /// The document store's size cap (megabytes): documents from the hub beyond it are
    /// evicted, least recently opened first.
    pub documents_cap_mb: Setting<u64>,
    /// Minutes without input before the patron session is cleared (after a 30-second
    /// countdown any input cancels).
    pub kiosk_idle_minutes: Setting<u32>,
    /// Whether the window opens full screen without decorations (a public workstation).
    pub kiosk_fullscreen: Setting<bool>,
    /// Whether the window paints through the GPU (WebKit's accelerated compositing). Off by
    /// default: painting in software costs the page about 90 MiB less, and what Commons
    /// draws (text, tables, PDF pages on a canvas) needs no GPU.
    pub kiosk_hardware_acceleration: Setting<bool>,
    /// Whether anonymous usage statistics are counted (and sent to the hub).
    pub usage_counting: Setting<bool>,
    /// Outside links open only on these domains (and their subdomains); empty allows any.
    pub link_domains: Setting<Vec<String>>,
    /// The program that opens links in the system browser; `None` uses the platform's.
    pub link_opener: Setting<Option<PathBuf>>,
    /// Where logs are written (not configurable by file: it follows XDG).
    pub state_dir: PathBuf,
    /// Where exports are saved (follows XDG).
    pub downloads_dir: PathBuf,
    /// The files that were read, in order of precedence (lowest first).
    pub files_read: Vec<PathBuf>,
}

/// Where configuration files are looked for.
#[derive(Debug, Clone)]
pub struct ConfigPaths {
    pub system: PathBuf,
    pub user: PathBuf,
}

impl Config {
    /// Where the configuration files are, with `env` standing in for the process environment.
    pub fn paths_with(env: &dyn Fn(&str) -> Option<String>) -> ConfigPaths {
        ConfigPaths {
            system: env("COMMONS_SYSTEM_CONFIG")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/etc/commons/config.toml")),
            user: xdg::Dirs::from_env(env).config.join("config.toml"),
        }
    }

    /// Loads the configuration from the real files and process environment.
    pub fn load() -> Result<Config, ConfigError> {
        Config::load_with(&|name| std::env::var(name).ok())
    }

    /// Loads the configuration with `env` standing in for the process environment.
    pub fn load_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let dirs = xdg::Dirs::from_env(env);
        let paths = Config::paths_with(env);
        let mut config = Config {
            data_dir: Setting::default(dirs.data.clone()),
            mode: Setting::default(Mode::Demo),
            language: Setting::default(Language::English),
            hub_url: Setting::default(None),
            hub_token: Setting::default(None),
            hub_allow_insecure_http: Setting::default(false),
            hub_timeout: Setting::default(Duration::from_secs(10)),
            hub_sync_interval: Setting::default(Duration::from_secs(60)),
            log_level: Setting::default(LogLevel::Info),
            log_keep_files: Setting::default(7),
            booking_retention_days: Setting::default(30),
            documents_cap_mb: Setting::default(2048),
            kiosk_idle_minutes: Setting::default(5),
            kiosk_fullscreen: Setting::default(false),
            kiosk_hardware_acceleration: Setting::default(false),
            usage_counting: Setting::default(true),
            link_domains: Setting::default(Vec::new()),
            link_opener: Setting::default(None),
            state_dir: dirs.state,
            downloads_dir: dirs.downloads,
            files_read: Vec::new(),
        };
        for path in [&paths.system, &paths.user] {
            if let Some(text) = file::read_optional(path)? {
                file::apply_file(&mut config, path, &text)?;
                config.files_read.push(path.clone());
            }
        }
        file::apply_env(&mut config, env)?;
        Ok(config)
    }

    /// The SQLite cache file.
    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.value.join("commons.db")
    }

    /// The content-addressed document store.
    pub fn documents_dir(&self) -> PathBuf {
        self.data_dir.value.join("documents")
    }

    /// The directory of rotating log files.
    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    /// Every effective value as `(key, shown value, source)`, secrets redacted.
    pub fn entries(&self) -> Vec<(&'static str, String, &Source)> {
        fn show(p: &Path) -> String {
            p.display().to_string()
        }
        vec![
            (
                "data_dir",
                show(&self.data_dir.value),
                &self.data_dir.source,
            ),
            (
                "mode",
                self.mode.value.as_str().to_owned(),
                &self.mode.source,
            ),
            (
                "ui.language",
                self.language.value.tag().to_owned(),
                &self.language.source,
            ),
            (
                "hub.url",
                self.hub_url
                    .value
                    .as_ref()
                    .map_or_else(|| "(none: standalone)".to_owned(), |u| u.to_string()),
                &self.hub_url.source,
            ),
            (
                "hub.token",
                match &self.hub_token.value {
                    None => "(none)".to_owned(),
                    Some(_) => "(set, hidden)".to_owned(),
                },
                &self.hub_token.source,
            ),
            (
                "hub.allow_insecure_http",
                self.hub_allow_insecure_http.value.to_string(),
                &self.hub_allow_insecure_http.source,
            ),
            (
                "hub.timeout_secs",
                self.hub_timeout.value.as_secs().to_string(),
                &self.hub_timeout.source,
            ),
            (
                "hub.sync_secs",
                self.hub_sync_interval.value.as_secs().to_string(),
                &self.hub_sync_interval.source,
            ),
            (
                "log.level",
                self.log_level.value.as_str().to_owned(),
                &self.log_level.source,
            ),
            (
                "log.keep_files",
                self.log_keep_files.value.to_string(),
                &self.log_keep_files.source,
            ),
            (
                "bookings.retention_days",
                self.booking_retention_days.value.to_string(),
                &self.booking_retention_days.source,
            ),
            (
                "documents.cap_mb",
                self.documents_cap_mb.value.to_string(),
                &self.documents_cap_mb.source,
            ),
            (
                "kiosk.idle_minutes",
                self.kiosk_idle_minutes.value.to_string(),
                &self.kiosk_idle_minutes.source,
            ),
            (
                "kiosk.fullscreen",
                self.kiosk_fullscreen.value.to_string(),
                &self.kiosk_fullscreen.source,
            ),
            (
                "kiosk.hardware_acceleration",
                self.kiosk_hardware_acceleration.value.to_string(),
                &self.kiosk_hardware_acceleration.source,
            ),
            (
                "usage.counting",
                self.usage_counting.value.to_string(),
                &self.usage_counting.source,
            ),
            (
                "links.allowed_domains",
                if self.link_domains.value.is_empty() {
                    "(any)".to_owned()
                } else {
                    self.link_domains.value.join(", ")
                },
                &self.link_domains.source,
            ),
            (
                "links.opener",
                self.link_opener
                    .value
                    .as_deref()
                    .map_or_else(|| "(the system's)".to_owned(), show),
                &self.link_opener.source,
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
