//! Per-workstation settings kept in the cache (the interface language a user chose).

use crate::config::Language;
use crate::store::{Store, StoreError};
use rusqlite::OptionalExtension;

const LANGUAGE: &str = "ui.language";

/// The language a user last chose on this workstation, if any.
pub fn language(store: &Store) -> Result<Option<Language>, StoreError> {
    let tag: Option<String> = store
        .conn()
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [LANGUAGE],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    Ok(tag.as_deref().and_then(Language::from_tag))
}

/// Remembers the language a user chose.
pub fn set_language(store: &Store, language: Language) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (LANGUAGE, language.tag()),
        )
        .map(drop)
        .map_err(|e| store.err(e))
}

/// Forgets the language a user chose: the configured one applies again (the next patron
/// starts as every patron does).
pub fn forget_language(store: &Store) -> Result<(), StoreError> {
    store
        .conn()
        .execute("DELETE FROM settings WHERE key = ?1", [LANGUAGE])
        .map(drop)
        .map_err(|e| store.err(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_round_trips_and_defaults_to_none() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(language(&store).unwrap(), None);
        set_language(&store, Language::SimplifiedChinese).unwrap();
        assert_eq!(language(&store).unwrap(), Some(Language::SimplifiedChinese));
        set_language(&store, Language::English).unwrap();
        assert_eq!(language(&store).unwrap(), Some(Language::English));
    }
}
