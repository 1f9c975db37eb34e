//! XDG base directories for Commons (`$XDG_DATA_HOME/commons` and friends).

use std::path::PathBuf;

/// The per-user directories Commons uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub data: PathBuf,
    pub state: PathBuf,
    pub config: PathBuf,
    /// Where exports are saved: `$XDG_DOWNLOAD_DIR`, else `~/Downloads`.
    pub downloads: PathBuf,
}

impl Dirs {
    /// Resolves the directories from `env`, following the XDG Base Directory specification:
    /// a variable that is unset, empty or relative falls back to its default under `$HOME`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Dirs {
        let home = env("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let base = |var: &str, fallback: &str| -> PathBuf {
            env(var)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| home.join(fallback))
                .join("commons")
        };
        Dirs {
            data: base("XDG_DATA_HOME", ".local/share"),
            state: base("XDG_STATE_HOME", ".local/state"),
            config: base("XDG_CONFIG_HOME", ".config"),
            downloads: env("XDG_DOWNLOAD_DIR")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| home.join("Downloads")),
        }
    }
}
