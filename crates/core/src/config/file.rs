//! Reading one configuration file or the environment onto a [`Config`].

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Config, Language, LogLevel, Setting, Source};

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{}", invalid_message(.path, .line, .key, .message))]
    Invalid {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },
}

fn invalid_message(path: &Path, line: &usize, key: &Option<String>, message: &str) -> String {
    match key {
        Some(key) => format!(
            "invalid configuration in {}, line {line}, key `{key}`: {message}",
            path.display()
        ),
        None => format!(
            "invalid configuration in {}, line {line}: {message}",
            path.display()
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    data_dir: Option<Spanned<PathBuf>>,
    mode: Option<Spanned<super::Mode>>,
    #[serde(default)]
    ui: UiLayer,
    #[serde(default)]
    hub: HubLayer,
    #[serde(default)]
    log: LogLayer,
    #[serde(default)]
    links: LinksLayer,
    #[serde(default)]
    bookings: BookingsLayer,
    #[serde(default)]
    documents: DocumentsLayer,
    #[serde(default)]
    kiosk: KioskLayer,
    #[serde(default)]
    usage: UsageLayer,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageLayer {
    counting: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KioskLayer {
    idle_minutes: Option<Spanned<u32>>,
    fullscreen: Option<Spanned<bool>>,
    hardware_acceleration: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentsLayer {
    cap_mb: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookingsLayer {
    retention_days: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinksLayer {
    allowed_domains: Option<Spanned<Vec<String>>>,
    opener: Option<Spanned<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiLayer {
    language: Option<Spanned<Language>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HubLayer {
    url: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    timeout_secs: Option<Spanned<u64>>,
    sync_secs: Option<Spanned<u64>>,
    allow_insecure_http: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogLayer {
    level: Option<Spanned<LogLevel>>,
    keep_files: Option<Spanned<u32>>,
}

pub(super) fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The dotted key written on the line holding `offset`: the `[table]` header in force plus
/// the bare key before `=`. Used to name the key in an error the TOML parser reports by
/// position only.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    if let Some(header) = line.strip_prefix('[') {
        return Some(header.trim_end_matches(']').trim().to_owned());
    }
    let key = line.split_once('=')?.0.trim().trim_matches('"');
    if key.is_empty() {
        return None;
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_owned(),
    })
}

pub(super) fn apply_file(config: &mut Config, path: &Path, text: &str) -> Result<(), ConfigError> {
    let invalid = |offset: usize, key: Option<String>, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        key,
        message,
    };
    let layer: FileLayer = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, key_at(text, offset), e.message().trim().to_owned())
    })?;
    let from = |offset: usize| Source::File {
        path: path.to_path_buf(),
        line: line_of(text, offset),
    };

    if let Some(v) = layer.mode {
        config.mode = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.data_dir {
        let start = v.span().start;
        let dir = v.into_inner();
        if !dir.is_absolute() {
            return Err(invalid(
                start,
                Some("data_dir".into()),
                format!("`{}` is not an absolute path", dir.display()),
            ));
        }
        config.data_dir = Setting {
            value: dir,
            source: from(start),
        };
    }
    if let Some(v) = layer.ui.language {
        config.language = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.hub.url {
        let start = v.span().start;
        let url =
            parse_hub_url(v.get_ref()).map_err(|m| invalid(start, Some("hub.url".into()), m))?;
        config.hub_url = Setting {
            value: Some(url),
            source: from(start),
        };
    }
    if let Some(v) = layer.hub.token {
        let start = v.span().start;
        let token = v.into_inner();
        check_token(&token).map_err(|m| invalid(start, Some("hub.token".into()), m))?;
        config.hub_token = Setting {
            value: Some(token),
            source: from(start),
        };
    }
    if let Some(v) = layer.hub.sync_secs {
        let start = v.span().start;
        let every = check_sync_interval(*v.get_ref())
            .map_err(|m| invalid(start, Some("hub.sync_secs".into()), m))?;
        config.hub_sync_interval = Setting {
            value: every,
            source: from(start),
        };
    }
    if let Some(v) = layer.hub.allow_insecure_http {
        config.hub_allow_insecure_http = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.hub.timeout_secs {
        let start = v.span().start;
        let timeout = check_timeout(*v.get_ref())
            .map_err(|m| invalid(start, Some("hub.timeout_secs".into()), m))?;
        config.hub_timeout = Setting {
            value: timeout,
            source: from(start),
        };
    }
    if let Some(v) = layer.log.level {
        config.log_level = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.log.keep_files {
        let start = v.span().start;
        let keep = check_keep_files(*v.get_ref())
            .map_err(|m| invalid(start, Some("log.keep_files".into()), m))?;
        config.log_keep_files = Setting {
            value: keep,
            source: from(start),
        };
    }
    if let Some(v) = layer.bookings.retention_days {
        let start = v.span().start;
        let days = check_retention(*v.get_ref())
            .map_err(|m| invalid(start, Some("bookings.retention_days".into()), m))?;
        config.booking_retention_days = Setting {
            value: days,
            source: from(start),
        };
    }
    if let Some(v) = layer.documents.cap_mb {
        let start = v.span().start;
        let mb = check_cap(*v.get_ref())
            .map_err(|m| invalid(start, Some("documents.cap_mb".into()), m))?;
        config.documents_cap_mb = Setting {
            value: mb,
            source: from(start),
        };
    }
    if let Some(v) = layer.kiosk.idle_minutes {
        let start = v.span().start;
        let minutes = check_idle(*v.get_ref())
            .map_err(|m| invalid(start, Some("kiosk.idle_minutes".into()), m))?;
        config.kiosk_idle_minutes = Setting {
            value: minutes,
            source: from(start),
        };
    }
    if let Some(v) = layer.kiosk.fullscreen {
        config.kiosk_fullscreen = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.kiosk.hardware_acceleration {
        config.kiosk_hardware_acceleration = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.usage.counting {
        config.usage_counting = Setting {
            source: from(v.span().start),
            value: v.into_inner(),
        };
    }
    if let Some(v) = layer.links.allowed_domains {
        let start = v.span().start;
        let domains = check_domains(v.get_ref())
            .map_err(|m| invalid(start, Some("links.allowed_domains".into()), m))?;
        config.link_domains = Setting {
            value: domains,
            source: from(start),
        };
    }
    if let Some(v) = layer.links.opener {
        let start = v.span().start;
        let opener = v.into_inner();
        if !opener.is_absolute() {
            return Err(invalid(
                start,
                Some("links.opener".into()),
                format!("`{}` is not an absolute path", opener.display()),
            ));
        }
        config.link_opener = Setting {
            value: Some(opener),
            source: from(start),
        };
    }
    Ok(())
}

pub(super) fn apply_env(
    config: &mut Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    fn set<T>(
        slot: &mut Setting<T>,
        env: &dyn Fn(&str) -> Option<String>,
        var: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<(), ConfigError> {
        if let Some(raw) = env(var) {
            let value = parse(raw.trim()).map_err(|message| ConfigError::Env { var, message })?;
            *slot = Setting {
                value,
                source: Source::Env(var),
            };
        }
        Ok(())
    }
    set(&mut config.data_dir, env, "COMMONS_DATA_DIR", |s| {
        let p = PathBuf::from(s);
        if p.is_absolute() {
            Ok(p)
        } else {
            Err(format!("`{s}` is not an absolute path"))
        }
    })?;
    set(&mut config.mode, env, "COMMONS_MODE", |s| match s {
        "demo" => Ok(super::Mode::Demo),
        "production" => Ok(super::Mode::Production),
        _ => Err(format!("unknown mode `{s}`; use `demo` or `production`")),
    })?;
    set(&mut config.language, env, "COMMONS_UI_LANGUAGE", |s| {
        Language::from_tag(s)
            .ok_or_else(|| format!("unknown language `{s}`; use `en` or `zh-Hans`"))
    })?;
    set(&mut config.hub_url, env, "COMMONS_HUB_URL", |s| {
        if s.is_empty() {
            Ok(None)
        } else {
            parse_hub_url(s).map(Some)
        }
    })?;
    set(&mut config.hub_token, env, "COMMONS_HUB_TOKEN", |s| {
        check_token(s).map(|()| Some(s.to_owned()))
    })?;
    set(
        &mut config.hub_sync_interval,
        env,
        "COMMONS_HUB_SYNC_SECS",
        |s| {
            let secs = s
                .parse::<u64>()
                .map_err(|_| format!("`{s}` is not a whole number of seconds"))?;
            check_sync_interval(secs)
        },
    )?;
    set(
        &mut config.hub_allow_insecure_http,
        env,
        "COMMONS_HUB_ALLOW_INSECURE_HTTP",
        flag,
    )?;
    set(
        &mut config.usage_counting,
        env,
        "COMMONS_USAGE_COUNTING",
        flag,
    )?;
    set(
        &mut config.kiosk_hardware_acceleration,
        env,
        "COMMONS_KIOSK_HARDWARE_ACCELERATION",
        flag,
    )?;
    set(
        &mut config.hub_timeout,
        env,
        "COMMONS_HUB_TIMEOUT_SECS",
        |s| {
            let secs = s
                .parse::<u64>()
                .map_err(|_| format!("`{s}` is not a whole number of seconds"))?;
            check_timeout(secs)
        },
    )?;
    set(
        &mut config.log_level,
        env,
        "COMMONS_LOG_LEVEL",
        |s| match s {
            "error" => Ok(LogLevel::Error),
            "warn" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            _ => Err(format!(
                "unknown log level `{s}`; use error, warn, info, debug or trace"
            )),
        },
    )?;
    set(
        &mut config.log_keep_files,
        env,
        "COMMONS_LOG_KEEP_FILES",
        |s| {
            let n = s
                .parse::<u32>()
                .map_err(|_| format!("`{s}` is not a whole number"))?;
            check_keep_files(n)
        },
    )?;
    set(
        &mut config.documents_cap_mb,
        env,
        "COMMONS_DOCUMENTS_CAP_MB",
        |s| {
            let n = s
                .parse::<u64>()
                .map_err(|_| format!("`{s}` is not a whole number of megabytes"))?;
            check_cap(n)
        },
    )?;
    set(
        &mut config.kiosk_idle_minutes,
        env,
        "COMMONS_KIOSK_IDLE_MINUTES",
        |s| {
            let n = s
                .parse::<u32>()
                .map_err(|_| format!("`{s}` is not a whole number of minutes"))?;
            check_idle(n)
        },
    )?;
    set(
        &mut config.booking_retention_days,
        env,
        "COMMONS_BOOKINGS_RETENTION_DAYS",
        |s| {
            let n = s
                .parse::<u32>()
                .map_err(|_| format!("`{s}` is not a whole number of days"))?;
            check_retention(n)
        },
    )?;
    set(
        &mut config.link_domains,
        env,
        "COMMONS_LINKS_ALLOWED_DOMAINS",
        |s| {
            let list: Vec<String> = s
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
            check_domains(&list)
        },
    )?;
    set(&mut config.link_opener, env, "COMMONS_LINKS_OPENER", |s| {
        let p = PathBuf::from(s);
        if p.is_absolute() {
            Ok(Some(p))
        } else {
            Err(format!("`{s}` is not an absolute path"))
        }
    })?;
    Ok(())
}

fn check_retention(days: u32) -> Result<u32, String> {
    if (1..=3650).contains(&days) {
        Ok(days)
    } else {
        Err(format!("{days} is not between 1 and 3650 days"))
    }
}

/// Domains as hosts: lower case, no scheme, path or port.
fn check_domains(list: &[String]) -> Result<Vec<String>, String> {
    list.iter()
        .map(|d| {
            let d = d.trim().trim_start_matches('.').to_ascii_lowercase();
            let valid = !d.is_empty()
                && d.len() <= 253
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if valid {
                Ok(d)
            } else {
                Err(format!(
                    "`{d}` is not a domain name (write `example.org`, without `https://` or a path)"
                ))
            }
        })
        .collect()
}

fn parse_hub_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("`{s}` has no host")),
        other => Err(format!(
            "`{s}` uses the scheme `{other}`; the hub is reached over http or https"
        )),
    }
}

fn check_token(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 512 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("a token is 1 to 512 characters without spaces".to_owned())
    } else {
        Ok(())
    }
}

fn check_cap(mb: u64) -> Result<u64, String> {
    if (1..=1_048_576).contains(&mb) {
        Ok(mb)
    } else {
        Err(format!("{mb} is out of range; use 1 to 1048576 megabytes"))
    }
}

/// A true-or-false environment variable.
fn flag(s: &str) -> Result<bool, String> {
    match s {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("`{s}` is not true or false")),
    }
}

fn check_idle(minutes: u32) -> Result<u32, String> {
    if (1..=240).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(format!("{minutes} is out of range; use 1 to 240 minutes"))
    }
}

fn check_sync_interval(secs: u64) -> Result<Duration, String> {
    if (2..=86_400).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(format!("{secs} is out of range; use 2 to 86400 seconds"))
    }
}

fn check_timeout(secs: u64) -> Result<Duration, String> {
    if (1..=300).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(format!("{secs} is out of range; use 1 to 300 seconds"))
    }
}

fn check_keep_files(n: u32) -> Result<u32, String> {
    if (1..=365).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is out of range; keep 1 to 365 files"))
    }
}

/// Sets `[hub] url` and `token` (and `allow_insecure_http` when asked) in the configuration
/// file at `path` (created if missing; other settings kept, comments not), after checking
/// both as loading would. The file is replaced atomically and readable by its owner only: it
/// holds a secret.
pub fn provision(
    path: &Path,
    url: &str,
    token: &str,
    allow_insecure_http: bool,
) -> Result<url::Url, String> {
    let url = parse_hub_url(url)?;
    if url.scheme() == "http" && !allow_insecure_http {
        return Err(format!(
            "`{url}` is plain http: the token and librarians' passwords would cross the network readable; use https (or --allow-insecure-http on a network you trust)"
        ));
    }
    check_token(token)?;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let hub = table
        .entry("hub")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(hub) = hub.as_table_mut() else {
        return Err(format!("{}: `hub` is not a table", path.display()));
    };
    hub.insert("url".into(), toml::Value::String(url.to_string()));
    hub.insert("token".into(), toml::Value::String(token.to_owned()));
    if allow_insecure_http {
        hub.insert("allow_insecure_http".into(), toml::Value::Boolean(true));
    }
    let out = toml::to_string(&table).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let temp = path.with_extension("toml.new");
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|e| format!("{}: {e}", temp.display()))?;
        f.write_all(out.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("{}: {e}", temp.display()))?;
    }
    std::fs::rename(&temp, path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(url)
}
