"""The translation memory as TMX 1.4b, for CAT tools (memoQ, Trados, OmegaT): `tm export`.

`write_tmx(tm, path)` returns the bytes of the file (and writes them to `path` when given).
Unlike the briefing exporters it renders a memory, not an article. The reading side, and
`record_imported` which stores what a TMX holds, are in `translate_tool/tmx.py`.

Each unit carries `<prop type="x-origin">` (machine|reviewed|imported) plus x-model and x-score,
x-reviewed-file and x-reviewed-at (and x-machine-target, x-machine-model), or x-imported-file,
x-creator and x-creator-date, so `tm import` gives back the same entries; machine units carry a
`<note>` warning that nobody has checked them, because a CAT tool would otherwise offer raw
machine output as a trusted match.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from .. import APP_NAME, __version__
from ..errors import TranslationMemoryError
from ..text import utc_stamp

if TYPE_CHECKING:
    from ..memory import TranslationMemory


def tmx_date(iso: str) -> str:
    """`2024-05-01T09:30:00Z` -> `20240501T093000Z`, the only date form TMX 1.4 allows."""
    return iso.replace("-", "").replace(":", "")


def write_tmx(tm: TranslationMemory, path: Path | None = None, *, include_machine: bool = True) -> bytes:
    """The memory `tm` as TMX 1.4b; written to `path` too when given. See the module docstring."""
    from translate.storage.tmx import tmxfile  # translate-toolkit is slow to import

    store = tmxfile(sourcelanguage=tm.source_lang, targetlanguage=tm.target_lang)
    _fill_header(store, tm.source_lang)
    for row in _rows(tm, include_machine):
        _add_unit(store, row, tm.source_lang, tm.target_lang)
    data = bytes(store)
    if path is not None:
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            raise TranslationMemoryError(f"{path}: cannot write the TMX file ({exc.strerror})") from None
    return data


def _rows(tm: TranslationMemory, include_machine: bool) -> list[sqlite3.Row]:
    query = "SELECT * FROM entries WHERE source_lang = ? AND target_lang = ?"
    if not include_machine:
        query += " AND origin = 'reviewed'"
    with tm.sqlite_errors("reading"):
        return tm.connection.execute(
            query + " ORDER BY created_at, source", (tm.source_lang, tm.target_lang)
        ).fetchall()


def _fill_header(store, source_lang: str) -> None:
    header = store.document.getroot().find(store.namespaced("header"))
    for name, value in {
        "creationtool": APP_NAME,
        "creationtoolversion": __version__,
        "creationdate": tmx_date(utc_stamp()),
        "datatype": "plaintext",
        "segtype": "paragraph",  # entries are whole titles, headings and paragraphs
        "o-tmf": "translate-tool-sqlite",
        "adminlang": "en",
        "srclang": source_lang,
    }.items():
        header.set(name, value)


def _add_unit(store, row: sqlite3.Row, source_lang: str, target_lang: str) -> None:
    from translate.misc.xml_helpers import safely_set_text

    unit = store.addsourceunit(row["source"], source_lang)
    unit.settarget(row["target"], target_lang, append=True)
    unit.xmlelement.set("creationdate", tmx_date(row["created_at"]))
    unit.xmlelement.set("changedate", tmx_date(row["updated_at"]))
    props = _props(row, unit)
    # translate-toolkit has no API for arbitrary <prop>s (only x-context), so add them
    # to the unit's lxml element, before the first <tuv> as the DTD requires.
    first_tuv = unit.xmlelement.index(unit.xmlelement.find(unit.namespaced("tuv")))
    for offset, (kind, value) in enumerate(props.items()):
        prop = unit.xmlelement.makeelement(unit.namespaced("prop"), {"type": kind})
        safely_set_text(prop, value)
        unit.xmlelement.insert(first_tuv + offset, prop)


def _props(row: sqlite3.Row, unit) -> dict[str, str]:
    """The unit's x- props by origin; also sets a machine unit's note and an imported unit's creationid."""
    if row["origin"] == "machine":
        unit.addnote(f"Unreviewed machine translation ({row['model']})")
        props = {"x-origin": "machine", "x-model": row["model"]}
        if row["score"] is not None:
            props["x-score"] = repr(row["score"])
    elif row["origin"] == "imported":
        props = {"x-origin": "imported", "x-imported-file": row["imported_file"] or ""}
        if row["creator"]:
            props["x-creator"] = row["creator"]
            unit.xmlelement.set("creationid", row["creator"])
        if row["creator_date"]:
            props["x-creator-date"] = tmx_date(row["creator_date"])
    else:
        props = {"x-origin": "reviewed", "x-reviewed-file": row["reviewed_file"] or ""}
        if row["reviewed_at"]:
            props["x-reviewed-at"] = tmx_date(row["reviewed_at"])
        if row["machine_target"] and row["machine_model"]:
            props["x-machine-target"] = row["machine_target"]
            props["x-machine-model"] = row["machine_model"]
    return props
