"""An OAI-PMH 2.0 data provider for the hub's harvest tests.

The protocol is pyoai's (PyPI `pyoai`, its server mode): verbs, arguments, errors,
resumption tokens and envelopes are its, not ours. The records are real MARC records read
with pymarc from the files a manifest names. Around it, a small HTTP layer injects what
real providers do badly: 500s, a response that never comes, XML cut mid-way, resumption
tokens that have expired.

    python3 oai_provider.py MANIFEST

prints `listening PORT` once it serves on 127.0.0.1:PORT/oai. The manifest (JSON) is read
again on every request, so a test changes the repository by rewriting it:

    {"name": "North", "granularity": "YYYY-MM-DDThh:mm:ssZ", "batch": 5,
     "records": [{"id": "oai:north:1", "datestamp": "2026-01-01T00:00:00Z",
                  "source": "/path/file.mrc", "index": 0, "deleted": false,
                  "title": "optional replacement of 245 $a"}],
     "faults": {"3": "500", "4": "timeout", "5": "malformed", "6": "expired"},
     "formats": [{"prefix": "MARC", "schema": "…MARC21slim.xsd",
                  "namespace": "http://www.loc.gov/MARC21/slim", "served": true}]}

`formats` is what ListMetadataFormats offers (default: oai_dc, marcxml and marc21); a
format whose namespace is MARCXML's is served as MARCXML whatever its prefix, one with
`"served": false` is listed but cannot be disseminated (a provider whose list lies).

`faults` maps the number of a ListRecords request (counted from 1 since the start) to what
goes wrong with it (`slow`: answered after 2 seconds); `changes` maps it to a record entry updated (datestamp: now) just before
that request is answered. `GET /requests` answers how many ListRecords requests were served.
"""

import json
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

import urllib.parse
import warnings

with warnings.catch_warnings():
    # pyoai imports cgi, deprecated in Python 3.11 and gone in 3.13.
    warnings.simplefilter("ignore", DeprecationWarning)
    import cgi

import pymarc
from lxml import etree
from oaipmh import common, error, metadata, server

# pyoai 2.5 decodes resumption tokens with cgi.parse_qs, which Python 3.8 removed (it moved
# to urllib.parse): without this every resumption token would fail.
if not hasattr(cgi, "parse_qs"):
    cgi.parse_qs = urllib.parse.parse_qs

MANIFEST = sys.argv[1]
_cache = {}
_lock = threading.Lock()
_list_requests = 0


def load_source(path):
    if path not in _cache:
        if path.endswith(".xml"):
            records = pymarc.parse_xml_to_array(path)
        else:
            with open(path, "rb") as f:
                records = list(pymarc.MARCReader(f, to_unicode=True, permissive=True))
        _cache[path] = records
    return _cache[path]


def manifest():
    with open(MANIFEST) as f:
        return json.load(f)


def stamp(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def marc_record(entry):
    record = load_source(entry["source"])[entry["index"]]
    if "title" in entry:
        for f in record.get_fields("245"):
            f["a"] = entry["title"]
    return record


def marcxml_writer(element, meta):
    record = meta.getMap()["record"]
    node = etree.fromstring(pymarc.record_to_xml(record, namespace=True))
    element.append(node)


def dc_map(record):
    def values(tag, code):
        return [sf for f in record.get_fields(tag) for sf in f.get_subfields(code)]

    return {
        "title": values("245", "a"),
        "creator": values("100", "a") + values("700", "a"),
        "subject": values("650", "a"),
        "publisher": values("260", "b") + values("264", "b"),
        "date": [d for d in values("260", "c") + values("264", "c")][:1],
        "identifier": ["ISBN " + i for i in values("020", "a")],
        "language": [record["008"].data[35:38]] if record["008"] else [],
        "type": ["Text"],
        "description": [],
        "contributor": [],
        "format": [],
        "source": [],
        "relation": [],
        "coverage": [],
        "rights": [],
    }


class Repository:
    """The IOAI interface pyoai's server mode asks for."""

    def identify(self):
        m = manifest()
        return common.Identify(
            repositoryName=m.get("name", "Test provider"),
            baseURL="http://127.0.0.1/oai",
            protocolVersion="2.0",
            adminEmails=["oai@example.org"],
            earliestDatestamp=datetime(2000, 1, 1),
            deletedRecord="persistent",
            granularity=m.get("granularity", "YYYY-MM-DDThh:mm:ssZ"),
            compression=["identity"],
        )

    def listMetadataFormats(self, identifier=None):
        return [(f["prefix"], f["schema"], f["namespace"]) for f in formats()]

    def listSets(self):
        raise error.NoSetHierarchyError("no sets")

    def _records(self, metadataPrefix, from_=None, until=None, set=None):
        out = []
        for entry in manifest()["records"]:
            when = stamp(entry["datestamp"])
            if from_ is not None and when < from_:
                continue
            if until is not None and when > until:
                continue
            deleted = entry.get("deleted", False)
            header = common.Header(None, entry["id"], when, [], deleted)
            if deleted:
                out.append((header, None, None))
                continue
            record = marc_record(entry)
            if is_marc(metadataPrefix):
                meta = common.Metadata(None, {"record": record})
            else:
                meta = common.Metadata(None, dc_map(record))
            out.append((header, meta, None))
        if not out:
            raise error.NoRecordsMatchError("no records match")
        return out

    def listRecords(self, metadataPrefix, from_=None, until=None, set=None):
        return self._records(metadataPrefix, from_, until, set)

    def listIdentifiers(self, metadataPrefix, from_=None, until=None, set=None):
        return [h for h, _, _ in self._records(metadataPrefix, from_, until, set)]

    def getRecord(self, metadataPrefix, identifier):
        for h, m, a in self._records(metadataPrefix):
            if h.identifier() == identifier:
                return h, m, a
        raise error.IdDoesNotExistError(identifier)


MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
DEFAULT_FORMATS = [
    {"prefix": "oai_dc", "schema": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
     "namespace": "http://www.openarchives.org/OAI/2.0/oai_dc/"},
    {"prefix": "marcxml", "schema": MARC_SCHEMA, "namespace": MARC_NS},
    # MARCXML as Alma, Koha and FOLIO name it.
    {"prefix": "marc21", "schema": MARC_SCHEMA, "namespace": MARC_NS},
]


def formats():
    return manifest().get("formats", DEFAULT_FORMATS)


def is_marc(prefix):
    return any(f["prefix"] == prefix and f["namespace"] == MARC_NS for f in formats())


def make_server():
    registry = metadata.MetadataRegistry()
    for f in formats():
        if not f.get("served", True):
            continue
        if f["namespace"] == MARC_NS:
            registry.registerWriter(f["prefix"], marcxml_writer)
        elif f["prefix"] == "oai_dc":
            registry.registerWriter("oai_dc", server.oai_dc_writer)
    return server.Server(
        Repository(),
        registry,
        nsmap={"marc": "http://www.loc.gov/MARC21/slim"},
        resumption_batch_size=manifest().get("batch", 10),
    )


EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>{now}</responseDate><request>http://127.0.0.1/oai</request>"
    '<error code="badResumptionToken">The resumption token has expired</error></OAI-PMH>'
)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        global _list_requests
        url = urlparse(self.path)
        if url.path == "/requests":
            return self.reply(200, str(_list_requests).encode(), "text/plain")
        if url.path != "/oai":
            return self.reply(404, b"not found", "text/plain")
        args = dict(parse_qsl(url.query))
        fault = None
        if args.get("verb") == "ListRecords":
            with _lock:
                _list_requests += 1
                m = manifest()
                fault = m.get("faults", {}).get(str(_list_requests))
                change = m.get("changes", {}).get(str(_list_requests))
                if change:
                    # The repository changes between two pages of a harvest.
                    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    for entry in m["records"]:
                        if entry["id"] == change["id"]:
                            entry.update(change, datestamp=now)
                    with open(MANIFEST, "w") as f:
                        json.dump(m, f)
        if fault == "500":
            return self.reply(500, b"Internal Server Error", "text/plain")
        if fault == "timeout":
            time.sleep(30)
            return self.reply(503, b"too late", "text/plain")
        if fault == "slow":
            time.sleep(2)
        if fault == "expired" and "resumptionToken" in args:
            now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            return self.reply(200, EXPIRED.format(now=now).encode(), "text/xml")
        body = make_server().handleRequest(args)
        if fault == "malformed":
            body = body[: len(body) // 2]
        self.reply(200, body, "text/xml; charset=utf-8")

    def reply(self, status, body, kind):
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    print("listening", httpd.server_address[1], flush=True)
    httpd.serve_forever()
