//! Starting: the language, the home screen's overview, seeding progress, a rebuild.

use super::*;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, PartialEq, Eq)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-Hans")]
    SimplifiedChinese,
}

impl From<CoreLanguage> for Language {
    fn from(l: CoreLanguage) -> Self {
        match l {
            CoreLanguage::English => Language::English,
            CoreLanguage::SimplifiedChinese => Language::SimplifiedChinese,
        }
    }
}

impl From<Language> for CoreLanguage {
    fn from(l: Language) -> Self {
        match l {
            Language::English => CoreLanguage::English,
            Language::SimplifiedChinese => CoreLanguage::SimplifiedChinese,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    pub id: String,
    pub parent_id: Option<String>,
    pub is_central: bool,
    pub name: String,
    pub name_zh: String,
    pub city: String,
    pub city_zh: String,
    pub time_zone: String,
    pub items: u32,
    pub available: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub records: u32,
    pub items: u32,
    pub libraries: u32,
    pub disciplines: u32,
    pub resources: u32,
    pub documents: u32,
    pub librarians: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DataSource {
    Demo,
    Hub,
    Local,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub name: String,
    pub name_zh: String,
    pub source: DataSource,
    /// RFC 3339 instant in UTC; the UI shows it in local time.
    pub refreshed_at: Option<String>,
    pub libraries: Vec<Library>,
    pub counts: Counts,
}

impl From<core::Overview> for Overview {
    fn from(o: core::Overview) -> Self {
        Overview {
            name: o.name,
            name_zh: o.name_zh,
            source: match o.source {
                core::DataSource::Demo => DataSource::Demo,
                core::DataSource::Hub => DataSource::Hub,
                core::DataSource::Local => DataSource::Local,
            },
            refreshed_at: o.refreshed_at.map(|t| t.to_string()),
            libraries: o
                .libraries
                .into_iter()
                .map(|l| Library {
                    id: l.id,
                    parent_id: l.parent_id,
                    is_central: l.is_central,
                    name: l.name,
                    name_zh: l.name_zh,
                    city: l.city,
                    city_zh: l.city_zh,
                    time_zone: l.time_zone,
                    items: count(l.items),
                    available: count(l.available),
                })
                .collect(),
            counts: Counts {
                records: count(o.counts.records),
                items: count(o.counts.items),
                libraries: count(o.counts.libraries),
                disciplines: count(o.counts.disciplines),
                resources: count(o.counts.resources),
                documents: count(o.counts.documents),
                librarians: count(o.counts.librarians),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SeedStage {
    Libraries,
    Disciplines,
    Catalogue,
    Resources,
    Librarians,
    Documents,
    SearchIndex,
}

/// Progress of preparing the cache, streamed over a channel.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SeedEvent {
    pub stage: SeedStage,
    pub done: u32,
    pub total: u32,
}

impl From<SeedProgress> for SeedEvent {
    fn from(p: SeedProgress) -> Self {
        SeedEvent {
            stage: match p.stage {
                CoreStage::Libraries => SeedStage::Libraries,
                CoreStage::Disciplines => SeedStage::Disciplines,
                CoreStage::Catalogue => SeedStage::Catalogue,
                CoreStage::Resources => SeedStage::Resources,
                CoreStage::Librarians => SeedStage::Librarians,
                CoreStage::Documents => SeedStage::Documents,
                CoreStage::SearchIndex => SeedStage::SearchIndex,
            },
            done: count(p.done),
            total: count(p.total),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Rebuilt {
    /// Where the old cache was kept, if there was one.
    pub set_aside: Option<String>,
    pub overview: Overview,
}

/// How the page runs the patron session.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskView {
    /// Minutes without input before the session is cleared (after a 30-second countdown).
    pub idle_minutes: u32,
}

/// A file this patron session saved.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionFile {
    /// Its place in the session's list (what `open_session_file` takes).
    pub index: u32,
    /// The file's name (not its folder).
    pub name: String,
}

impl SessionFile {
    pub fn list(paths: &[std::path::PathBuf]) -> Vec<SessionFile> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| SessionFile {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                name: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            })
            .collect()
    }
}
