//! The workstation as the app sees it: its configuration and its cache, opened lazily and
//! prepared (seeded from the embedded demo consortium when standalone) once.
//!
//! This is the plain Rust API the desktop shell's commands and the command line call; it
//! holds no UI state.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use crate::config::{Config, Language};
use crate::consortium::{self, Overview};
use crate::demo::{self, SeedError, SeedProgress};
use crate::settings;
use crate::store::{self, Store, StoreError};

/// A workstation: configuration plus the cache once it is open.
#[derive(Debug)]
pub struct Workstation {
    config: Config,
    store: Mutex<Option<Store>>,
}

impl Workstation {
    pub fn new(config: Config) -> Workstation {
        Workstation {
            config,
            store: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock leaves the store in a consistent state (SQLite
        // transactions roll back), so a poisoned lock is safe to reuse.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the open cache, opening it first if needed.
    pub fn with_store<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(Store::open(&self.config.cache_path())?);
        }
        match guard.as_ref() {
            Some(store) => f(store),
            None => unreachable!("the store was just opened"),
        }
    }

    /// Opens the cache and, when it is empty, seeds it from the demo consortium (reporting
    /// progress); returns the home screen's overview.
    pub fn prepare(&self, progress: &mut dyn FnMut(SeedProgress)) -> Result<Overview, SeedError> {
        let documents = self.config.documents_dir();
        self.with_store(|store| {
            demo::seed(store, &documents, progress)?;
            Ok(consortium::overview(store)?)
        })
    }

    /// Sets the unusable cache aside (keeping it for recovery) and builds a new one from the
    /// embedded data. Returns where the old cache now is, if there was one.
    pub fn rebuild(
        &self,
        progress: &mut dyn FnMut(SeedProgress),
    ) -> Result<(Option<PathBuf>, Overview), SeedError> {
        let path = self.config.cache_path();
        let aside = {
            let mut guard = self.lock();
            *guard = None; // close it before moving the file
            if path.exists() {
                Some(store::set_aside(&path)?)
            } else {
                None
            }
        };
        if let Some(aside) = &aside {
            tracing::warn!(from = %path.display(), to = %aside.display(), "cache set aside for rebuild");
        }
        Ok((aside, self.prepare(progress)?))
    }

    /// The consortium overview from the cache.
    pub fn overview(&self) -> Result<Overview, StoreError> {
        self.with_store(consortium::overview)
    }

    /// The language to show: the one chosen on this workstation, else the configured default.
    /// A cache that cannot be opened falls back to the configured default.
    pub fn language(&self) -> Language {
        self.with_store::<_, StoreError>(settings::language)
            .ok()
            .flatten()
            .unwrap_or(self.config.language.value)
    }

    /// Remembers the language a user chose.
    pub fn set_language(&self, language: Language) -> Result<(), StoreError> {
        self.with_store(|s| settings::set_language(s, language))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn workstation(dir: &std::path::Path, extra: &[(&str, &str)]) -> Workstation {
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("HOME".into(), dir.display().to_string());
        env.insert("COMMONS_SYSTEM_CONFIG".into(), "/nonexistent".into());
        env.insert(
            "COMMONS_DATA_DIR".into(),
            dir.join("data").display().to_string(),
        );
        for (k, v) in extra {
            env.insert((*k).into(), (*v).into());
        }
        Workstation::new(Config::load_with(&|k| env.get(k).cloned()).unwrap())
    }

    #[test]
    fn prepare_seeds_once_and_language_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[("COMMONS_UI_LANGUAGE", "zh-Hans")]);
        assert_eq!(
            ws.language(),
            Language::SimplifiedChinese,
            "configured default"
        );
        let mut reports = 0;
        let o = ws.prepare(&mut |_| reports += 1).unwrap();
        assert!(reports > 0);
        assert!(o.counts.records > 0);
        ws.set_language(Language::English).unwrap();
        drop(ws);

        let again = workstation(dir.path(), &[("COMMONS_UI_LANGUAGE", "zh-Hans")]);
        assert_eq!(
            again.language(),
            Language::English,
            "the user's choice wins"
        );
        let mut reports = 0;
        assert_eq!(again.prepare(&mut |_| reports += 1).unwrap(), o);
        assert_eq!(reports, 0, "a second start does not seed again");
    }

    #[test]
    fn corrupt_cache_is_reported_then_rebuilt_keeping_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        let path = ws.config().cache_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"PK\x03\x04 not a cache at all".repeat(300)).unwrap();

        let err = ws.prepare(&mut |_| {}).unwrap_err();
        assert_eq!(err.code(), "cache_corrupt");
        assert_eq!(
            ws.language(),
            Language::English,
            "falls back to the default"
        );

        let (aside, overview) = ws.rebuild(&mut |_| {}).unwrap();
        let aside = aside.unwrap();
        assert!(std::fs::read(&aside).unwrap().starts_with(b"PK\x03\x04"));
        assert!(overview.counts.records > 0);
        assert_eq!(ws.overview().unwrap(), overview);
    }
}
