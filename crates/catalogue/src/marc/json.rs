//! MARC-in-JSON: `{"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": "1",
//! "ind2": "0", "subfields": [{"a": "..."}]}}]}`, one object or an array of them.

use serde_json::Value;
use serde_json::value::RawValue;

use super::{Field, MAX_FIELD_BYTES, MAX_FIELDS, Record, is_control_tag};

/// One record with its text as the file has it (its original), or why the record at this
/// index is not MARC-in-JSON.
pub type Entry<'a> = Result<(Record, &'a str), (usize, String)>;

/// Reads every record; a file that is not JSON at all is an error.
pub fn read(data: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let invalid = |e: serde_json::Error| format!("the file is not valid JSON: {e}");
    let whole: &RawValue = serde_json::from_slice(data).map_err(invalid)?;
    let records: Vec<&RawValue> = match whole.get().as_bytes().first() {
        Some(b'[') => serde_json::from_str(whole.get()).map_err(invalid)?,
        Some(b'{') => vec![whole],
        _ => return Err("the JSON holds neither a record object nor an array of them".into()),
    };
    Ok(records
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            serde_json::from_str::<Value>(raw.get())
                .map_err(|e| e.to_string())
                .and_then(|v| record(&v))
                .map(|r| (r, raw.get()))
                .map_err(|reason| (i, reason))
        })
        .collect())
}

fn string(v: &Value, what: &str) -> Result<String, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{what} is not a string"))?;
    if s.len() > MAX_FIELD_BYTES {
        return Err(format!("{what} is longer than {MAX_FIELD_BYTES} bytes"));
    }
    Ok(s.to_owned())
}

fn record(v: &Value) -> Result<Record, String> {
    if !v.is_object() {
        return Err("the record is not an object".into());
    }
    let leader = string(
        v.get("leader").ok_or("the record has no leader")?,
        "the leader",
    )?;
    let fields = v
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("the record has no \"fields\" array")?;
    if fields.len() > MAX_FIELDS {
        return Err(format!("more than {MAX_FIELDS} fields"));
    }
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let obj = f.as_object().ok_or("a field is not an object")?;
        let (tag, body) = match obj.iter().next() {
            Some(pair) if obj.len() == 1 => pair,
            _ => return Err("a field object must hold exactly one tag".into()),
        };
        if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("a field has the tag `{tag}`"));
        }
        if is_control_tag(tag) {
            out.push(Field::Control {
                tag: tag.clone(),
                value: string(body, &format!("field {tag}"))?,
            });
            continue;
        }
        let ind = |name: &str| -> Result<char, String> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(' '),
                Some(v) => Ok(string(v, &format!("{tag} {name}"))?
                    .chars()
                    .next()
                    .unwrap_or(' ')),
            }
        };
        let subs = body
            .get("subfields")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("field {tag} has no subfields array"))?;
        let mut subfields = Vec::with_capacity(subs.len());
        for s in subs {
            let obj = s
                .as_object()
                .filter(|o| o.len() == 1)
                .ok_or_else(|| format!("a subfield of {tag} is not a one-key object"))?;
            for (code, value) in obj {
                let code = code
                    .chars()
                    .next()
                    .filter(|_| code.chars().count() == 1)
                    .ok_or_else(|| format!("a subfield of {tag} has the code `{code}`"))?;
                subfields.push((code, string(value, &format!("{tag} ${code}"))?));
            }
        }
        out.push(Field::Data {
            tag: tag.clone(),
            ind1: ind("ind1")?,
            ind2: ind("ind2")?,
            subfields,
        });
    }
    Ok(Record {
        leader,
        fields: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_marc_in_json() {
        let json = br#"[{"leader":"00000nam a2200000 a 4500","fields":[{"001":"7"},
            {"245":{"ind1":"1","ind2":"0","subfields":[{"a":"Title"},{"c":"by me"}]}}]},
            {"leader":"x","fields":[{"2450":"bad tag"}]}]"#;
        let records = read(json).unwrap();
        let (first, original) = records[0].as_ref().unwrap();
        assert_eq!(first.control("001"), Some("7"));
        assert_eq!(first.first("245", 'c'), Some("by me"));
        // The original is the record's own text, as the file has it.
        assert!(
            original.starts_with(r#"{"leader":"00000nam a2200000 a 4500","fields":[{"001":"7"},"#)
        );
        assert!(original.ends_with(r#"{"c":"by me"}]}}]}"#), "{original}");
        let (_, single) = read(br#" {"leader":"x","fields":[]} "#).unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(single, r#"{"leader":"x","fields":[]}"#);
        assert!(read(b"42").unwrap_err().contains("neither a record"));
        assert!(records[1].as_ref().unwrap_err().1.contains("`2450`"));
        assert!(
            read(b"{leader: unquoted}")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }
}
