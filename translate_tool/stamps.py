"""Build stamps: what a one-article briefing was made from, so a rerun can skip it.

An article's documents are up to date when they carry the stamp its export would write now.
The stamp is a hash of the source file's bytes, the label of the model that would translate it
(glossary fingerprint included, see `pipeline.ModelRef`), the translation-memory entries its
passages come from (English and whether a person reviewed it), and the tool and format versions
(a new version may lay out or check differently). It is stored as the `BUILD_PROPERTY` custom
property of a DOCX, as `build:` in the Markdown front matter, and as a header `<reference>` of
an XLIFF file (`BUILD_FORM`).

A machine passage recorded in the memory by the run that wrote the documents comes back from
the memory on the next run with the same English, so its stamp is the same; a reviewer's
correction, another model, another glossary or an edited source all change it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path

from . import __version__
from .article import Article, Origin, normalise_source
from .briefing import BUILD_FORM, BUILD_PROPERTY, FORMAT_VERSION

log = logging.getLogger(__name__)

STAMP_HEX = 32
FRONT_MATTER_LINES = 200  # the stamp is in the first few lines; never read a whole large file


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_stamp(article: Article, digest: str, model_label: str | None) -> str:
    """The stamp of `article` with its English as it is now (from the model or the memory)."""
    entries = [(normalise_source(b.source), b.target, b.origin is Origin.REVIEWED) for b in article.blocks]
    made_of = [__version__, FORMAT_VERSION, digest, model_label or "", entries]
    text = json.dumps(made_of, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:STAMP_HEX]


def recorded_stamp(path: Path) -> str | None:
    """The stamp a document of ours carries, or None (missing, not ours, unreadable, other format)."""
    try:
        if path.suffix == ".docx":
            return _docx_stamp(path)
        if path.suffix == ".md":
            return _markdown_stamp(path)
        if path.suffix == ".xlf":
            return _xliff_stamp(path)
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        log.debug("%s: no build stamp (%s)", path, exc)
    return None


def _docx_stamp(path: Path) -> str | None:
    from .review.ooxml import custom_properties

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("docProps/custom.xml")
        if info.file_size > 256 << 20:  # ours hold about 35 bytes per row
            return None
        blob = archive.read(info)
    try:
        return custom_properties(blob).get(BUILD_PROPERTY)
    except Exception as exc:  # noqa: BLE001 - any damage means "not up to date", never an error
        log.debug("%s: unreadable custom properties (%s)", path, exc)
        return None


def _xliff_stamp(path: Path) -> str | None:
    """The stamp in an XLIFF file's header; reading stops at the first `<body>` (the header
    comes first), so a large file costs only its header. Never expands entities or fetches."""
    from lxml import etree

    events = etree.iterparse(
        str(path), events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        for event, element in events:
            name = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if event == "start" and name == "body":
                return None
            if event == "end" and name == "internal-file" and element.get("form") == BUILD_FORM:
                return (element.text or "").strip() or None
    except etree.LxmlError as exc:  # damaged or not XML: "not up to date", never an error
        log.debug("%s: unreadable XLIFF header (%s)", path, exc)
    return None


def _markdown_stamp(path: Path) -> str | None:
    with path.open(encoding="utf-8") as handle:
        if handle.readline().rstrip("\n") != "---":
            return None
        for _ in range(FRONT_MATTER_LINES):
            line = handle.readline().rstrip("\n")
            if line == "---" or not line:
                return None
            if line.startswith("build: "):
                value = json.loads(line[len("build: ") :])
                return value if isinstance(value, str) else None
    return None
