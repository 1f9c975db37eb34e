"""Prints pymarc's reading of an ISO 2709 file as JSON, one entry per record (null where
pymarc cannot read the record), for the comparison test in crates/core/tests/pymarc.rs."""
import json
import sys
import unicodedata

import pymarc


def nfc(s):
    return unicodedata.normalize("NFC", s)


def main(path):
    out = []
    with open(path, "rb") as fh:
        reader = pymarc.MARCReader(fh, to_unicode=True, force_utf8=False, utf8_handling="strict")
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except Exception:  # pymarc gave up on the rest of the file
                out.append(None)
                break
            if record is None:
                out.append(None)
                continue
            fields = []
            for f in record.fields:
                if f.is_control_field():
                    fields.append({"tag": f.tag, "value": nfc(f.data)})
                else:
                    fields.append({
                        "tag": f.tag,
                        "ind1": f.indicator1,
                        "ind2": f.indicator2,
                        "subfields": [[s.code, nfc(s.value)] for s in f.subfields],
                    })
            out.append({"leader": str(record.leader), "fields": fields})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
