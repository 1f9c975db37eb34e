//! XML input: MARCXML (a `<collection>`, a bare `<record>`, or records inside an SRU or
//! OAI-PMH response) and Dublin Core (`oai_dc`) inside OAI-PMH responses, read in one
//! streaming pass. Namespace prefixes are ignored; elements are matched by local name.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::marc::{Field, MAX_FIELD_BYTES, MAX_FIELDS, Record, is_control_tag};

/// A Dublin Core record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DcRecord {
    /// The OAI identifier from the record's header, when there is one.
    pub oai_identifier: Option<String>,
    pub titles: Vec<String>,
    pub creators: Vec<String>,
    pub contributors: Vec<String>,
    pub subjects: Vec<String>,
    pub descriptions: Vec<String>,
    pub publishers: Vec<String>,
    pub dates: Vec<String>,
    pub types: Vec<String>,
    pub formats: Vec<String>,
    pub identifiers: Vec<String>,
    pub languages: Vec<String>,
}

/// What the XML held, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `position..end` is the record's element in the document, as it was sent.
    Marc {
        position: usize,
        end: usize,
        record: Box<Record>,
        oai_identifier: Option<String>,
    },
    /// `position..end` is the `dc` element in the document, as it was sent.
    Dc {
        position: usize,
        end: usize,
        record: Box<DcRecord>,
    },
    /// An OAI-PMH header marked deleted.
    Deleted {
        position: usize,
        oai_identifier: String,
    },
    /// A record that could not be read; the reason is a sentence.
    Invalid { position: usize, reason: String },
}

/// A data field being read: tag, indicators, subfields.
type DataField = (String, char, char, Vec<(char, String)>);

#[derive(Default)]
struct MarcBuilder {
    leader: Option<String>,
    fields: Vec<Field>,
    error: Option<String>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Reads every record of an XML document. A document that stops being well-formed ends the
/// reading with an `Invalid` item; records before that point are kept.
pub fn read(data: &[u8]) -> Vec<Item> {
    let mut reader = Reader::from_reader(data);
    reader.config_mut().trim_text(false);
    let mut items = Vec::new();
    let mut buf = Vec::new();
    // MARC records being built (an OAI <record> may wrap a MARC <record>).
    let mut stack: Vec<(usize, MarcBuilder)> = Vec::new();
    let mut text = String::new();
    let mut capture = false;
    let mut datafield: Option<DataField> = None;
    let mut subfield_code: Option<char> = None;
    let mut controlfield_tag: Option<String> = None;
    let mut dc: Option<(usize, DcRecord)> = None;
    let mut oai_identifier: Option<String> = None;
    let mut in_header = false;
    let mut header_deleted = false;
    let mut element_path: Vec<String> = Vec::new();
    // An OAI <metadata> element: where it started, the item count then, its first child.
    let mut metadata: Option<(usize, usize, Option<String>)> = None;
    let mut oai_error: Option<String> = None;

    loop {
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                items.push(Item::Invalid {
                    position,
                    reason: format!("the XML is not well-formed here: {e}"),
                });
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_owned();
                element_path.push(local.clone());
                if let Some((_, _, child @ None)) = metadata.as_mut()
                    && local != "metadata"
                {
                    *child = Some(local.clone());
                }
                match local.as_str() {
                    "metadata" => metadata = Some((position, items.len(), None)),
                    "record" => stack.push((position, MarcBuilder::default())),
                    "header" => {
                        in_header = true;
                        header_deleted = attr(&e, "status").as_deref() == Some("deleted");
                        oai_identifier = None;
                    }
                    "leader" if !stack.is_empty() => {
                        capture = true;
                        text.clear();
                    }
                    "controlfield" => {
                        controlfield_tag = Some(attr(&e, "tag").unwrap_or_default());
                        capture = true;
                        text.clear();
                    }
                    "datafield" => {
                        let tag = attr(&e, "tag").unwrap_or_default();
                        let ind =
                            |n: &str| attr(&e, n).and_then(|v| v.chars().next()).unwrap_or(' ');
                        datafield = Some((tag, ind("ind1"), ind("ind2"), Vec::new()));
                    }
                    "subfield" => {
                        let code = attr(&e, "code").and_then(|c| c.chars().next());
                        if code.is_none()
                            && let Some((_, b)) = stack.last_mut()
                        {
                            b.error.get_or_insert("a subfield has no code".into());
                        }
                        subfield_code = code;
                        capture = true;
                        text.clear();
                    }
                    "dc" => dc = Some((position, DcRecord::default())),
                    "error" if stack.is_empty() => {
                        oai_error = Some(attr(&e, "code").unwrap_or_else(|| "error".into()));
                        capture = true;
                        text.clear();
                    }
                    "identifier" if in_header => {
                        capture = true;
                        text.clear();
                    }
                    _ if dc.is_some() => {
                        capture = true;
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if let Some((_, _, child @ None)) = metadata.as_mut() {
                    *child = Some(e.local_name().as_ref().to_owned());
                }
                // <subfield code="a"/> and friends: empty values.
                if e.local_name().as_ref() == "subfield"
                    && let (Some((_, _, _, subs)), Some(code)) = (
                        datafield.as_mut(),
                        attr(&e, "code").and_then(|c| c.chars().next()),
                    )
                {
                    subs.push((code, String::new()));
                }
            }
            Event::Text(t) if capture => {
                let unescaped = t.xml10_content();
                if text.len() + unescaped.len() <= MAX_FIELD_BYTES {
                    text.push_str(&unescaped);
                } else if let Some((_, b)) = stack.last_mut() {
                    b.error
                        .get_or_insert(format!("a field is longer than {MAX_FIELD_BYTES} bytes"));
                }
            }
            Event::GeneralRef(r) if capture => {
                let name = r.xml10_content();
                let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                    .map(|s| s.into_owned())
                    .unwrap_or_default();
                text.push_str(&resolved);
            }
            Event::CData(t) if capture => {
                text.push_str(&t.xml10_content());
            }
            Event::End(e) => {
                let local = e.local_name().as_ref().to_owned();
                element_path.pop();
                match local.as_str() {
                    "error" if oai_error.is_some() => {
                        let code = oai_error.take().unwrap_or_default();
                        items.push(Item::Invalid {
                            position,
                            reason: format!(
                                "the OAI-PMH server answered with an error ({code}): {}",
                                std::mem::take(&mut text).trim()
                            ),
                        });
                        capture = false;
                    }
                    "metadata" => {
                        if let Some((start, count, child)) = metadata.take()
                            && items.len() == count
                        {
                            let what = child.unwrap_or_else(|| "nothing".into());
                            items.push(Item::Invalid {
                                position: start,
                                reason: format!(
                                    "the record{} holds metadata as <{what}>, which Commons does not read (it reads MARCXML and oai_dc)",
                                    oai_identifier.as_deref().map(|i| format!(" {i}")).unwrap_or_default()
                                ),
                            });
                        }
                    }
                    "leader" => {
                        if let Some((_, b)) = stack.last_mut() {
                            b.leader = Some(std::mem::take(&mut text));
                        }
                        capture = false;
                    }
                    "controlfield" => {
                        let tag = controlfield_tag.take().unwrap_or_default();
                        if let Some((_, b)) = stack.last_mut() {
                            if tag.len() != 3 || !is_control_tag(&tag) {
                                b.error.get_or_insert(format!(
                                    "a controlfield has the tag `{tag}`, not 001–009"
                                ));
                            }
                            b.fields.push(Field::Control {
                                tag,
                                value: std::mem::take(&mut text),
                            });
                        }
                        capture = false;
                    }
                    "subfield" => {
                        if let (Some((_, _, _, subs)), Some(code)) =
                            (datafield.as_mut(), subfield_code.take())
                        {
                            subs.push((code, std::mem::take(&mut text)));
                        }
                        capture = false;
                    }
                    "datafield" => {
                        if let (Some((tag, ind1, ind2, subfields)), Some((_, b))) =
                            (datafield.take(), stack.last_mut())
                        {
                            if tag.len() != 3 || !tag.bytes().all(|c| c.is_ascii_alphanumeric()) {
                                b.error
                                    .get_or_insert(format!("a datafield has the tag `{tag}`"));
                            }
                            b.fields.push(Field::Data {
                                tag,
                                ind1,
                                ind2,
                                subfields,
                            });
                            if b.fields.len() > MAX_FIELDS {
                                b.error
                                    .get_or_insert(format!("more than {MAX_FIELDS} fields"));
                            }
                        }
                    }
                    "record" => {
                        if let Some((position, b)) = stack.pop() {
                            let has_content = b.leader.is_some() || !b.fields.is_empty();
                            match (has_content, b.error) {
                                (false, _) => {}
                                (true, Some(reason)) => {
                                    items.push(Item::Invalid { position, reason })
                                }
                                (true, None) => items.push(Item::Marc {
                                    position,
                                    end: usize::try_from(reader.buffer_position())
                                        .unwrap_or(usize::MAX),
                                    record: Box::new(Record {
                                        leader: b.leader.unwrap_or_else(|| " ".repeat(24)),
                                        fields: b.fields,
                                    }),
                                    oai_identifier: oai_identifier.clone(),
                                }),
                            }
                        }
                    }
                    "identifier" if in_header => {
                        oai_identifier = Some(std::mem::take(&mut text).trim().to_owned());
                        capture = false;
                    }
                    "header" => {
                        in_header = false;
                        if header_deleted && let Some(id) = &oai_identifier {
                            items.push(Item::Deleted {
                                position,
                                oai_identifier: id.clone(),
                            });
                        }
                    }
                    "dc" => {
                        if let Some((position, mut record)) = dc.take() {
                            record.oai_identifier = oai_identifier.clone();
                            items.push(Item::Dc {
                                position,
                                end: usize::try_from(reader.buffer_position())
                                    .unwrap_or(usize::MAX),
                                record: Box::new(record),
                            });
                        }
                        capture = false;
                    }
                    name => {
                        if let Some((_, record)) = dc.as_mut() {
                            let value = std::mem::take(&mut text).trim().to_owned();
                            if !value.is_empty() {
                                let list = match name {
                                    "title" => Some(&mut record.titles),
                                    "creator" => Some(&mut record.creators),
                                    "contributor" => Some(&mut record.contributors),
                                    "subject" => Some(&mut record.subjects),
                                    "description" => Some(&mut record.descriptions),
                                    "publisher" => Some(&mut record.publishers),
                                    "date" => Some(&mut record.dates),
                                    "type" => Some(&mut record.types),
                                    "format" => Some(&mut record.formats),
                                    "identifier" => Some(&mut record.identifiers),
                                    "language" => Some(&mut record.languages),
                                    _ => None,
                                };
                                if let Some(list) = list {
                                    list.push(value);
                                }
                            }
                            capture = false;
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !element_path.is_empty() && !matches!(items.last(), Some(Item::Invalid { .. })) {
        items.push(Item::Invalid {
            position: data.len(),
            reason: "the XML ends before its elements are closed (truncated file?)".into(),
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marcxml_collection_with_namespace_prefix() {
        let xml = br#"<?xml version="1.0"?>
<marc:collection xmlns:marc="http://www.loc.gov/MARC21/slim">
 <marc:record>
  <marc:leader>00000nam a2200000 a 4500</marc:leader>
  <marc:controlfield tag="001">42</marc:controlfield>
  <marc:datafield tag="245" ind1="1" ind2="0">
   <marc:subfield code="a">Fish &amp; chips :</marc:subfield>
   <marc:subfield code="b">a history</marc:subfield>
  </marc:datafield>
 </marc:record>
 <marc:record><marc:datafield tag="245" ind1="0" ind2="0"><marc:subfield>no code</marc:subfield></marc:datafield></marc:record>
</marc:collection>"#;
        let items = read(xml);
        assert_eq!(items.len(), 2, "{items:?}");
        let Item::Marc { record, .. } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(record.control("001"), Some("42"));
        assert_eq!(record.first("245", 'a'), Some("Fish & chips :"));
        assert!(matches!(&items[1], Item::Invalid { reason, .. } if reason.contains("no code")));
    }

    #[test]
    fn oai_dublin_core_and_deleted_headers() {
        let xml = br#"<OAI-PMH><ListRecords>
<record><header><identifier>oai:x:1</identifier></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>On Libraries</dc:title><dc:creator>Roe, Jane</dc:creator><dc:date>2019</dc:date></oai_dc:dc></metadata></record>
<record><header status="deleted"><identifier>oai:x:2</identifier></header></record>
</ListRecords></OAI-PMH>"#;
        let items = read(xml);
        assert_eq!(items.len(), 2, "{items:?}");
        let Item::Dc { record, .. } = &items[0] else {
            panic!()
        };
        assert_eq!(record.titles, ["On Libraries"]);
        assert_eq!(record.oai_identifier.as_deref(), Some("oai:x:1"));
        assert!(
            matches!(&items[1], Item::Deleted { oai_identifier, .. } if oai_identifier == "oai:x:2")
        );
    }

    #[test]
    fn broken_xml_keeps_what_came_before() {
        let xml = b"<collection><record><leader>00000nam a2200000 a 4500</leader></record><record><leader>x</lead";
        let items = read(xml);
        assert!(matches!(items[0], Item::Marc { .. }));
        assert!(matches!(items.last(), Some(Item::Invalid { .. })));
    }
}
