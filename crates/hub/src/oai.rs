//! OAI-PMH 2.0, the protocol member libraries publish their catalogues with: requests with
//! retries, and the parts of a response the harvester needs besides the records (which
//! Commons' MARCXML and Dublin Core reader takes): the response date, errors, the
//! resumption token, Identify's granularity and deleted-record policy, and the formats
//! ListMetadataFormats offers (from which [`choose_format`] picks MARCXML by its namespace or
//! schema, whatever the provider calls it, else Dublin Core).

use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The largest OAI-PMH response read; a provider's page is usually well under 10 MiB.
pub const RESPONSE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// What an OAI-PMH response says besides its records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub response_date: Option<String>,
    /// `(code, message)` of each `<error>`.
    pub errors: Vec<(String, String)>,
    /// The resumption token, when the response has one that is not empty.
    pub resumption_token: Option<String>,
    /// Identify: `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`.
    pub granularity: Option<String>,
    /// Identify: `no`, `transient` or `persistent`.
    pub deleted_record: Option<String>,
    pub repository_name: Option<String>,
    /// ListMetadataFormats: what the provider offers.
    pub metadata_formats: Vec<MetadataFormat>,
}

/// A format a provider offers (ListMetadataFormats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataFormat {
    pub prefix: String,
    pub schema: String,
    pub namespace: String,
}

/// What Commons makes of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// MARC 21 in XML (MARCXML), however the provider names it: `marcxml`, `marc21`,
    /// `MARC21`, `marc`… Its records may still be UNIMARC in MARCXML's shape.
    Marcxml,
    /// MARC in MARCXchange (ISO 25577), MARCXML's element names in another namespace.
    Marcxchange,
    DublinCore,
}

impl MetadataFormat {
    /// What this format is, by its namespace or schema (never by its prefix alone, which
    /// providers choose freely), or `None` for one Commons does not read.
    pub fn kind(&self) -> Option<FormatKind> {
        let ns = self
            .namespace
            .trim()
            .trim_end_matches('/')
            .to_ascii_lowercase();
        let schema = self.schema.to_ascii_lowercase();
        if ns == "http://www.loc.gov/marc21/slim"
            || schema.contains("marc21slim.xsd")
            || schema.contains("marcxml.xsd")
        {
            Some(FormatKind::Marcxml)
        } else if ns.starts_with("info:lc/xmlns/marcxchange") || schema.contains("marcxchange") {
            Some(FormatKind::Marcxchange)
        } else if ns == "http://www.openarchives.org/oai/2.0/oai_dc"
            || schema.contains("oai_dc.xsd")
        {
            Some(FormatKind::DublinCore)
        } else {
            None
        }
    }
}

/// The format to harvest among those offered: MARCXML first (full records), then
/// MARCXchange, then Dublin Core.
pub fn choose_format(formats: &[MetadataFormat]) -> Option<(&MetadataFormat, FormatKind)> {
    [
        FormatKind::Marcxml,
        FormatKind::Marcxchange,
        FormatKind::DublinCore,
    ]
    .into_iter()
    .find_map(|want| {
        formats
            .iter()
            .find(|f| f.kind() == Some(want))
            .map(|f| (f, want))
    })
}

/// Why a response could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OaiError {
    /// Worth asking again: the network, a timeout, a 5xx, or a response cut short.
    #[error("{0}")]
    Transient(String),
    /// Asking again will not help.
    #[error("{0}")]
    Permanent(String),
}

/// Reads the envelope of a response. A response that is not well-formed XML, or not an
/// OAI-PMH response, is an error (a transient one: providers send half a page when they
/// fail mid-way).
pub fn envelope(data: &[u8]) -> Result<Envelope, OaiError> {
    let mut reader = Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut env = Envelope::default();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut error_code: Option<String> = None;
    let mut seen_root = false;
    let mut format = MetadataFormat::default();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if local != "OAI-PMH" {
                        return Err(OaiError::Permanent(format!(
                            "the response is not OAI-PMH (its root is <{local}>)"
                        )));
                    }
                    seen_root = true;
                }
                if local == "error" {
                    error_code = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "code")
                        .map(|a| a.value.clone().into_owned());
                }
                text.clear();
                path.push(local);
            }
            Ok(Event::Empty(e)) => {
                let local = e.local_name().as_ref().to_owned();
                if local == "error" {
                    let code = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "code")
                        .map(|a| a.value.clone().into_owned())
                        .unwrap_or_default();
                    env.errors.push((code, String::new()));
                }
            }
            Ok(Event::Text(t)) => text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                // Entities in the few fields read here (tokens may hold &amp;).
                let name = r.xml10_content();
                if let Ok(resolved) = quick_xml::escape::unescape(&format!("&{name};")) {
                    text.push_str(&resolved);
                }
            }
            Ok(Event::CData(t)) => text.push_str(&t.xml10_content()),
            Ok(Event::End(_)) => {
                let Some(local) = path.pop() else { break };
                let value = text.trim().to_owned();
                let parent = path.last().map(String::as_str);
                match (local.as_str(), parent) {
                    ("responseDate", Some("OAI-PMH")) => env.response_date = Some(value),
                    ("error", _) => {
                        env.errors
                            .push((error_code.take().unwrap_or_default(), value));
                    }
                    ("resumptionToken", _) if !value.is_empty() => {
                        env.resumption_token = Some(value);
                    }
                    ("granularity", Some("Identify")) => env.granularity = Some(value),
                    ("deletedRecord", Some("Identify")) => env.deleted_record = Some(value),
                    ("repositoryName", Some("Identify")) => env.repository_name = Some(value),
                    ("metadataPrefix", Some("metadataFormat")) => format.prefix = value,
                    ("schema", Some("metadataFormat")) => format.schema = value,
                    ("metadataNamespace", Some("metadataFormat")) => format.namespace = value,
                    ("metadataFormat", Some("ListMetadataFormats")) => {
                        let f = std::mem::take(&mut format);
                        if !f.prefix.is_empty() {
                            env.metadata_formats.push(f);
                        }
                    }
                    _ => {}
                }
                text.clear();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(OaiError::Transient(format!(
                    "the response is not well-formed XML at byte {}: {e}",
                    reader.buffer_position()
                )));
            }
        }
        buf.clear();
    }
    if !seen_root {
        return Err(OaiError::Transient("the response is empty".into()));
    }
    if !path.is_empty() {
        return Err(OaiError::Transient(
            "the response stops before its end".into(),
        ));
    }
    Ok(env)
}

/// A provider's base URL, asked with retries.
#[derive(Debug, Clone)]
pub struct Provider {
    pub base: url::Url,
    client: reqwest::Client,
    /// Attempts per request, and the pause before the second (doubling after).
    pub attempts: u32,
    pub backoff: Duration,
}

impl Provider {
    pub fn new(base: &str, timeout: Duration) -> Result<Provider, OaiError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = url::Url::parse(base)
            .map_err(|e| OaiError::Permanent(format!("`{base}` is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(OaiError::Permanent(format!(
                "`{base}` is not an http or https URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Commons-hub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OaiError::Permanent(e.to_string()))?;
        Ok(Provider {
            base,
            client,
            attempts: 4,
            backoff: Duration::from_millis(500),
        })
    }

    /// One request, with its arguments; retried on transient failures (the body must also be
    /// a complete OAI-PMH envelope). Returns the body and its envelope.
    pub async fn request(&self, args: &[(&str, &str)]) -> Result<(Vec<u8>, Envelope), OaiError> {
        let mut url = self.base.clone();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in args {
                q.append_pair(k, v);
            }
        }
        let mut pause = self.backoff;
        let mut last = OaiError::Transient("no attempt made".into());
        for attempt in 1..=self.attempts.max(1) {
            match self.once(&url).await {
                Ok(ok) => return Ok(ok),
                Err(OaiError::Permanent(e)) => return Err(OaiError::Permanent(e)),
                Err(e) => {
                    tracing::warn!(%url, attempt, error = %e, "OAI-PMH request failed");
                    last = e;
                }
            }
            if attempt < self.attempts {
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
        }
        Err(match last {
            OaiError::Transient(e) => {
                OaiError::Transient(format!("{e} (after {} attempts)", self.attempts))
            }
            other => other,
        })
    }

    async fn once(&self, url: &url::Url) -> Result<(Vec<u8>, Envelope), OaiError> {
        let response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| OaiError::Transient(format!("{}: {}", self.base, chain(&e))))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(OaiError::Transient(format!(
                "{} answered {status}",
                self.base
            )));
        }
        if !status.is_success() {
            return Err(OaiError::Permanent(format!(
                "{} answered {status}",
                self.base
            )));
        }
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| OaiError::Transient(format!("{}: {}", self.base, chain(&e))))?
        {
            if body.len() + chunk.len() > RESPONSE_BYTES_MAX {
                return Err(OaiError::Permanent(format!(
                    "{} sent a response larger than {} MiB; Commons reads pages up to that size \
                     (ask the provider for smaller pages)",
                    self.base,
                    RESPONSE_BYTES_MAX / (1024 * 1024)
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let env = envelope(&body)?;
        Ok((body, env))
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let page = br#"<?xml version="1.0"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2026-11-27T06:00:00Z</responseDate>
  <request verb="ListRecords">http://x/oai</request>
  <ListRecords><record><header><identifier>a</identifier></header></record>
  <resumptionToken completeListSize="20" cursor="0">next&amp;page=2</resumptionToken></ListRecords>
</OAI-PMH>"#;
        let e = envelope(page).unwrap();
        assert_eq!(e.response_date.as_deref(), Some("2026-11-27T06:00:00Z"));
        assert_eq!(e.resumption_token.as_deref(), Some("next&page=2"));
        assert!(e.errors.is_empty());
        // The last page has an empty token.
        let last = br#"<OAI-PMH><responseDate>d</responseDate><ListRecords><resumptionToken completeListSize="20" cursor="10"/></ListRecords></OAI-PMH>"#;
        assert_eq!(envelope(last).unwrap().resumption_token, None);
        let error = br#"<OAI-PMH><responseDate>d</responseDate><error code="badResumptionToken">expired</error></OAI-PMH>"#;
        assert_eq!(
            envelope(error).unwrap().errors,
            vec![("badResumptionToken".to_owned(), "expired".to_owned())]
        );
        let identify = br#"<OAI-PMH><Identify><repositoryName>North</repositoryName><deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"#;
        let i = envelope(identify).unwrap();
        assert_eq!(i.granularity.as_deref(), Some("YYYY-MM-DD"));
        assert_eq!(i.deleted_record.as_deref(), Some("persistent"));
        let formats = br#"<OAI-PMH><responseDate>d</responseDate><ListMetadataFormats>
  <metadataFormat><metadataPrefix>oai_dc</metadataPrefix>
    <schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>
    <metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat>
  <metadataFormat><metadataPrefix>MARC</metadataPrefix>
    <schema>http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd</schema>
    <metadataNamespace>http://www.loc.gov/MARC21/slim</metadataNamespace></metadataFormat>
  <metadataFormat><metadataPrefix>mods</metadataPrefix>
    <schema>http://www.loc.gov/standards/mods/v3/mods-3-7.xsd</schema>
    <metadataNamespace>http://www.loc.gov/mods/v3</metadataNamespace></metadataFormat>
</ListMetadataFormats></OAI-PMH>"#;
        let offered = envelope(formats).unwrap().metadata_formats;
        assert_eq!(offered.len(), 3);
        let (chosen, kind) = choose_format(&offered).unwrap();
        assert_eq!(
            (chosen.prefix.as_str(), kind),
            ("MARC", FormatKind::Marcxml)
        );
        assert_eq!(offered[2].kind(), None, "MODS is not read");
        let (chosen, kind) = choose_format(&offered[..1]).unwrap();
        assert_eq!(
            (chosen.prefix.as_str(), kind),
            ("oai_dc", FormatKind::DublinCore)
        );
        assert_eq!(choose_format(&offered[2..]), None);
        let xchange = MetadataFormat {
            prefix: "marcxchange".into(),
            schema: "http://www.loc.gov/standards/iso25577/marcxchange-1-1.xsd".into(),
            namespace: "info:lc/xmlns/marcxchange-v1".into(),
        };
        assert_eq!(xchange.kind(), Some(FormatKind::Marcxchange));
        // Cut short, or not OAI-PMH at all.
        assert!(matches!(
            envelope(&page[..200]),
            Err(OaiError::Transient(_))
        ));
        assert!(matches!(envelope(b""), Err(OaiError::Transient(_))));
        assert!(matches!(
            envelope(b"<html><body>Maintenance</body></html>"),
            Err(OaiError::Permanent(_))
        ));
    }
}
