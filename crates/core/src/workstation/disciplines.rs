//! Disciplines and the resource list: browsing, outside links, and curation (through the
//! hub when there is one).

use super::*;
use crate::sync;

impl Workstation {
    /// The discipline tree with counts.
    pub fn disciplines(&self) -> Result<Vec<browse::DisciplineNode>, StoreError> {
        self.with_store(browse::tree)
    }

    /// One discipline's page.
    pub fn discipline(&self, id: &str) -> Result<Option<browse::DisciplinePage>, StoreError> {
        self.with_store(|s| browse::page(s, id))
    }

    /// The resources A–Z, filtered; a signed-in librarian also sees retired ones.
    pub fn resources(
        &self,
        filter: &browse::ResourceFilter,
    ) -> Result<Vec<browse::ResourceSummary>, StoreError> {
        let filter = browse::ResourceFilter {
            include_retired: filter.include_retired && self.session_status().is_some(),
            ..filter.clone()
        };
        self.with_store(|s| browse::resources(s, &filter))
    }

    pub(super) fn librarian(&self) -> Result<Account, CurateError> {
        self.signed_in().ok_or(CurateError::NotSignedIn)
    }

    /// Adds or edits a resource (signed-in librarians only). With a hub, the consortium's
    /// list is kept there: the change goes to the hub first (as the librarian signed in on
    /// it), and only then into this cache; every other workstation takes it from the feed.
    /// Without the hub, or without a session on it, nothing changes.
    pub fn save_resource(&self, input: &curate::ResourceInput) -> Result<String, CurateError> {
        let account = self.librarian()?;
        let mut prepared = self.with_store(|s| curate::prepare(s, input))?;
        if let Some((hub, session)) = self.hub_for_curation()? {
            let base = prepared.shared.id.clone();
            let (id, answer) = send_under_free_id(&base, |id| {
                let shared = curate::SharedResource {
                    id: id.to_owned(),
                    ..prepared.shared.clone()
                };
                hub.save_resource(&session, &shared, prepared.new)
            });
            prepared.shared.id = id;
            self.curation_answer(answer)?;
        }
        self.with_store(|s| curate::write(s, &account, &prepared))
    }

    /// Retires or restores a resource (signed-in librarians only); with a hub, on the hub
    /// first, as [`Workstation::save_resource`].
    pub fn set_resource_retired(&self, id: &str, retired: bool) -> Result<(), CurateError> {
        let account = self.librarian()?;
        if self.with_store(|s| curate::is_retired(s, id))? == retired {
            return Ok(());
        }
        if let Some((hub, session)) = self.hub_for_curation()? {
            match hub.set_resource_retired(&session, id, retired) {
                // A resource this workstation had before it was connected to the hub is
                // its own: retired or restored here only.
                Ok(Err(sync::Refusal::NotFound)) => {}
                answer => self.curation_answer(answer)?,
            }
        }
        self.with_store(|s| curate::set_retired(s, &account, id, retired))
    }

    /// What the hub's answer to a change of the resource list means here.
    pub(super) fn curation_answer(
        &self,
        answer: Result<Result<(), sync::Refusal>, sync::SyncError>,
    ) -> Result<(), CurateError> {
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(sync::Refusal::NotSignedIn)) => {
                *self.hub_session_slot() = None;
                Err(CurateError::HubSignIn)
            }
            Ok(Err(sync::Refusal::NotFound)) => Err(CurateError::HubRefused(
                "the consortium's list has no such resource".into(),
            )),
            Ok(Err(sync::Refusal::Taken)) => Err(CurateError::HubRefused(
                "a resource with this name was just added on other workstations; save again".into(),
            )),
            Ok(Err(sync::Refusal::Invalid(reason))) => Err(CurateError::HubRefused(reason)),
            Err(e) if e.is_offline() => Err(CurateError::HubUnreachable),
            Err(e) => Err(CurateError::HubRefused(e.to_string())),
        }
    }

    /// The hub and the librarian's session on it, when the resource list is kept there.
    pub(super) fn hub_for_curation(&self) -> Result<Option<(sync::Hub, String)>, CurateError> {
        match self.hub() {
            Ok(Some(hub)) => match self.hub_session_slot().clone() {
                Some(session) => Ok(Some((hub, session))),
                None => Err(CurateError::HubSignIn),
            },
            Ok(None) => Ok(None),
            Err(_) => Err(CurateError::HubUnreachable),
        }
    }

    /// A resource's audit history (signed-in librarians only).
    pub fn resource_history(&self, id: &str) -> Result<Vec<curate::AuditLine>, CurateError> {
        self.librarian()?;
        // With a hub, the list's history is the hub's (changes made on every workstation);
        // this workstation's own lines when the hub cannot say, or has none.
        if let Ok(Some(hub)) = self.hub()
            && let Some(session) = self.hub_session_slot().clone()
        {
            match hub.resource_history(&session, id) {
                Ok(lines) if !lines.is_empty() => return Ok(curate::shared_history(&lines)),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the hub could not send a resource's history"),
            }
        }
        Ok(self.with_store(|s| curate::history(s, id))?)
    }

    /// One resource with its disciplines.
    pub fn resource(&self, id: &str) -> Result<Option<browse::ResourceDetail>, StoreError> {
        self.with_store(|s| browse::resource_detail(s, id))
    }

    /// Opens a resource's link in the system browser (counted in usage statistics).
    pub fn open_resource(&self, id: &str) -> Result<url::Url, LinkError> {
        let url = self
            .resource(id)
            .ok()
            .flatten()
            .and_then(|r| r.resource.url)
            .ok_or_else(|| LinkError::NotAUrl(format!("(the resource {id} has no link)")))?;
        let opened = self.open_link(&url)?;
        self.count(UsageEvent::ResourceOpen { resource: id });
        Ok(opened)
    }

    /// Opens an outside link in the system browser, if the configuration allows it.
    pub fn open_link(&self, url: &str) -> Result<url::Url, LinkError> {
        links::open(
            url,
            &self.config.link_domains.value,
            self.config.link_opener.value.as_deref(),
        )
    }
}
