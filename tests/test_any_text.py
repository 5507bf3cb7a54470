"""Any text in, a valid document out: unusual characters, names, numbers, metadata and sizes.

Each test here is one way a new user broke `export` or a round trip (issue 10); the property
tests at the end run arbitrary Unicode through every place text enters a briefing.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from helpers import FakeTranslator
from helpers import run_cli as run
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree
from markdown_it import MarkdownIt

from translate_tool.api import ExportOptions, export
from translate_tool.article import Article, Block, BlockKind
from translate_tool.briefing import (
    LABEL_MAX,
    PROPERTY_MAX,
    REPLACEMENT,
    STEM_MAX_BYTES,
    clean_field,
    clean_text,
    normalise_english,
    output_stem,
)
from translate_tool.checks import check_numbers, run_checks
from translate_tool.errors import InputError
from translate_tool.export.docx import render_docx
from translate_tool.export.markdown import render_markdown
from translate_tool.packages import Package
from translate_tool.readers import article_from_bytes
from translate_tool.readers.txt import parse_article
from translate_tool.review import read_review

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("[0-9]*.txt"))
SEED_LINES = SEED.read_text(encoding="utf-8").splitlines()
TITLE = "أذربيجان تطلق عملية عسكرية"
PARAGRAPH = "قالت وزارة الدفاع إن القوات سيطرت على أكثر من ستين موقعا في الإقليم خلال يومين."
# HTML tags the Markdown exporter writes itself; any other tag is text leaking out as HTML.
OUR_TAGS = {'<div dir="rtl">', "</div>", '<span dir="rtl">', "</span>", "<sub>", "</sub>", "<br>", "</a>"}
OUR_ANCHOR = re.compile(r'^<a id="article-\d+">$')
# Characters of the rule (and their neighbours that are legal but tricky), for the tests to mix in.
NASTY = (
    "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\ud800\udcff\udfff\ufdd0\ufffe\uffff\U0001fffe\U0010ffff"
    "\t\n\r\u2028\u2029\ufeff\u200e\u200f\u202a\u202b\u202e\u2066\u2069\u061c\u0640\u00a0\U0001f600"
    "<>&|*_`#[]\\\"'"
)


def fake_article(source_lines: list[str], english=lambda i, block: f"English {i}") -> Article:
    article = parse_article("\n".join(source_lines), Path("article.txt"))
    for i, block in enumerate(article.blocks):
        block.target = english(i, block)
    article.model = FakeTranslator.label
    article.generated_at = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    return article


def parse_docx_strictly(data: bytes) -> None:
    """python-docx opens it, and every XML part is well-formed to lxml's strict parser."""
    Document(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name), etree.XMLParser(recover=False, huge_tree=False))


def html_in_markdown(text: str) -> list[str]:
    """Every HTML tag a CommonMark renderer that knows no front matter finds, front matter included."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    found = [t.content.strip() for t in tokens if t.type == "html_block"]
    for token in tokens:
        found += [c.content for c in token.children or [] if c.type == "html_inline"]
    return [tag for tag in found if tag not in OUR_TAGS and not OUR_ANCHOR.match(tag)]


def markdown_table_rows(text: str) -> list[int]:
    """The number of cells in each row of the passage table (header first)."""
    end = text.index("\n---\n", 4)
    tokens = MarkdownIt("commonmark").enable("table").parse(text[end + 5 :])
    rows, cells = [], 0
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            rows.append(cells)
    return rows


def set_english(document, row: int, text: str) -> None:
    """Type `text` over the English of table row `row` (1 is the first passage)."""
    paragraph = document.tables[0].rows[row].cells[1].paragraphs[0]
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = text


# --- 1. a looping model's English title is longer than Word allows in a property ---------------


def test_a_title_longer_than_255_characters_exports_and_reimports(tmp_path):
    article = fake_article([TITLE, PARAGRAPH], lambda i, _: "at at at " * 200 if i == 0 else "ok")
    data = render_docx(article)  # python-docx refused a title over 255 characters here
    parse_docx_strictly(data)
    core = Document(io.BytesIO(data)).core_properties
    assert len(core.title) == PROPERTY_MAX and core.title.endswith("…")
    assert core.title.startswith("at at at")
    path = tmp_path / "a.docx"
    path.write_bytes(data)
    result = read_review(path)
    assert (len(result.changes), result.unchanged, result.unmatched) == (0, 2, [])


# --- 2. control characters in the Arabic and in the English -------------------------------------


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\ufffe", "\x00", "\x9f"])
def test_control_characters_in_the_arabic_keep_rows_matched_and_reviews_stored(
    tmp_path, capsys, synthetic_model, char
):
    source = tmp_path / "article.txt"
    # UTF-16 is how a NUL usually arrives; the BOM makes it unambiguous.
    source.write_bytes(f"{TITLE}\n{PARAGRAPH[:20]}{char}{PARAGRAPH[20:]}\n".encode("utf-16"))
    out = tmp_path / "out"
    code, _, err = run(capsys, "export", source, "--model", synthetic_model, "--out-dir", out)
    assert code == 0, err
    docx = out / "article.docx"
    parse_docx_strictly(docx.read_bytes())
    document = Document(str(docx))
    arabic = document.tables[0].rows[2].cells[2].text
    assert REPLACEMENT in arabic and char not in arabic  # the reader sees the replacement
    assert "1 character a document cannot hold" in document.tables[0].rows[2].cells[1].text  # flagged

    code, stdout, _ = run(capsys, "review", "import", docx)
    assert code == 0 and stdout.startswith("0 changed") and stdout.rstrip().endswith(", 0 unmatched")

    set_english(document, 2, "The defence ministry took sixty positions.")
    document.save(str(docx))
    code, stdout, _ = run(capsys, "review", "import", docx)
    assert code == 0 and stdout.startswith("1 changed") and stdout.endswith("1 unchanged, 0 unmatched\n")
    code, _, _ = run(capsys, "export", source, "--model", synthetic_model, "--out-dir", out)
    row = Document(str(docx)).tables[0].rows[2]
    assert code == 0 and row.cells[1].text.startswith("The defence ministry took sixty positions.")
    assert "REV" in row.cells[0].text


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\ufffe", "\x00", "\x9f", "\ufdd0"])
def test_control_characters_in_the_english_keep_rows_unchanged_and_edits_exact(tmp_path, char):
    article = fake_article([TITLE, PARAGRAPH], lambda i, _: f"English{char} {i}")
    run_checks([article])
    path = tmp_path / "a.docx"
    path.write_bytes(render_docx(article))
    parse_docx_strictly(path.read_bytes())
    result = read_review(path)
    assert (len(result.changes), result.unchanged, result.unmatched) == (0, 2, [])
    document = Document(str(path))
    set_english(document, 2, "Edited English.")
    document.save(str(path))
    result = read_review(path)
    assert [c.change.target for c in result.changes] == ["Edited English."]


# --- 3. input file names -------------------------------------------------------------------------


def names_written(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


@pytest.mark.parametrize(
    "name",
    [
        "news\x01item.txt",
        "\x1b[31mred\x1b[0m.txt",
        os.fsdecode(b"caf\xe9-\xff.txt"),  # Latin-1 bytes, not UTF-8
        "ع" * 120 + ".txt",  # 240 bytes: the .part name beside the output is over 255
    ],
    ids=["control", "escape", "not-utf8", "long-arabic"],
)
def test_unusual_input_names_give_safe_output_names(tmp_path, name):
    source = tmp_path / name
    source.write_text(f"{TITLE}\n{PARAGRAPH}\n", encoding="utf-8")
    out = tmp_path / "out"
    translator = FakeTranslator()
    result = export([source], ExportOptions(out_dir=out, use_memory=False), translator=translator)
    stem = output_stem(source.stem)
    assert stem != source.stem
    assert names_written(out) == [f"{stem}.docx", f"{stem}.md"]
    assert len(stem.encode("utf-8")) <= STEM_MAX_BYTES and re.search(r"-[0-9a-f]{8}$", stem)
    assert not any(c in stem for c in "\x00\x01\x1b\ufffd") and "\udcff" not in stem
    for path in result.documents:
        path.name.encode("utf-8")  # printable on a UTF-8 terminal
    data = (out / f"{stem}.docx").read_bytes()
    parse_docx_strictly(data)
    assert len(translator.calls) == 1
    review = read_review(out / f"{stem}.docx")
    assert (len(review.changes), review.unmatched) == (0, [])
    front = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert html_in_markdown(front) == []


def test_a_250_character_arabic_combine_name_is_shortened(tmp_path, capsys, synthetic_model):
    source = tmp_path / "a.txt"
    source.write_text(f"{TITLE}\n{PARAGRAPH}\n", encoding="utf-8")
    out = tmp_path / "out"
    name = "م" * 250
    code, stdout, err = run(
        capsys, "export", source, "--model", synthetic_model, "--out-dir", out, "--combine", name
    )
    assert code == 0, err
    stem = output_stem(name)
    assert names_written(out) == [f"{stem}.docx", f"{stem}.md"]
    assert stdout.splitlines() == [str(out / f"{stem}.docx"), str(out / f"{stem}.md")]


def test_output_names_collide_before_anything_is_translated(tmp_path):
    """Two inputs whose safe names are the same are refused before the model runs."""
    a, b = tmp_path / "x" / "news\x01.txt", tmp_path / "y" / "news\x01.txt"
    for path in (a, b):
        path.parent.mkdir()
        path.write_text(f"{TITLE}\n{PARAGRAPH}\n", encoding="utf-8")
    translator = FakeTranslator()
    with pytest.raises(InputError, match="would both write"):
        export([a, b], ExportOptions(out_dir=tmp_path / "out", use_memory=False), translator=translator)
    assert translator.calls == [] and not (tmp_path / "out").exists()


def test_output_stem_rules():
    assert output_stem("plain-name_2024") == "plain-name_2024"
    assert output_stem("عنوان الخبر") == "عنوان الخبر"
    assert output_stem("a\x01b") != output_stem("a\x02b")  # the hash tells them apart
    assert output_stem("a\x01b").startswith("ab-")
    assert output_stem("\x01\x02").startswith("article-")
    assert output_stem("x" * 500) == output_stem("x" * 500)  # same input, same name


# --- 4. a 5,000-digit number ---------------------------------------------------------------------


def test_a_5000_digit_number_is_checked_without_a_traceback(tmp_path):
    digits = "7" * 5000
    flag = check_numbers(f"بلغ العدد {digits} شخصا", "the number was large")
    assert flag is not None and "(5,000 digits)" in flag.message and len(flag.message) < 100
    assert check_numbers(f"بلغ العدد {digits} شخصا", f"the number was {digits}") is None
    source = tmp_path / "numbers.txt"
    source.write_text(f"{TITLE}\nبلغ العدد {digits} شخصا في المدينة.\n", encoding="utf-8")
    result = export(
        [source], ExportOptions(out_dir=tmp_path / "out", use_memory=False), translator=FakeTranslator()
    )
    assert [p.suffix for p in result.documents] == [".docx", ".md"]


def test_numbers_are_still_grouped_for_display():
    assert (
        check_numbers("قتل ١٢٣٤٥٦٧ شخصا", "many died").message == "number 1,234,567 missing from the English"
    )


# --- 5. model metadata ---------------------------------------------------------------------------


def hostile_model(tmp_path: Path, synthetic_model: Path, name: str, version: str) -> Path:
    """The synthetic package with `name` and `version` written into its metadata.json."""
    out = tmp_path / "hostile.argosmodel"
    with zipfile.ZipFile(synthetic_model) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/metadata.json"):
                meta = json.loads(data)
                meta["package_version"], meta["code"] = version, name
                data = json.dumps(meta).encode("utf-8")
            dst.writestr(info, data)
    return out


@pytest.mark.parametrize(
    "code, version",
    [("ar\x01en\x1b[2J", "1.9"), ("translate-ar_en", "1." + "9" * 5000)],
    ids=["control", "long"],
)
def test_hostile_model_metadata_is_refused_in_one_line(tmp_path, capsys, synthetic_model, code, version):
    """Control characters (malformed custom.xml) or a 5,000-character version (in every memory
    entry) never reach a document: the package is refused with exit 2 and nothing is written."""
    model = hostile_model(tmp_path, synthetic_model, code, version)
    source = tmp_path / "a.txt"
    source.write_text("\n".join(SEED_LINES) + "\n", encoding="utf-8")
    out, tm = tmp_path / "out", tmp_path / "tm.sqlite3"
    status, stdout, err = run(capsys, "export", source, "--model", model, "--out-dir", out, "--tm", tm)
    assert (status, stdout, len(err.splitlines())) == (2, "", 1), err
    assert "metadata.json" in err and not out.exists()


def test_package_labels_obey_the_rule():
    package = Package(Path("p"), "translate\x00ar_en", "9" * 5000, "ar", "en")
    assert len(package.label) == LABEL_MAX and package.label.startswith("translate\ufffdar_en 999")


# --- 6. a 10 MB single-line article re-imports, in bounded memory ---------------------------------

# Peak memory from VmHWM: getrusage's ru_maxrss keeps the forking parent's peak across exec.
REIMPORT = """
import re, sys
from pathlib import Path
from translate_tool.review import read_review
result = read_review(Path(sys.argv[1]))
peak_mb = int(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024
print(len(result.changes), result.unchanged, len(result.unmatched), peak_mb)
"""


def test_a_10_mb_single_line_article_reimports_in_bounded_memory(tmp_path):
    word = "كلمة عربية "  # 11 characters, 20 bytes of UTF-8
    line = (word * (10 * 1024 * 1024 // len(word.encode("utf-8")) + 1)).strip()
    assert len(line.encode("utf-8")) > 10 * 1024 * 1024
    article = Article(
        blocks=[
            Block(BlockKind.TITLE, TITLE, target="Title"),
            Block(BlockKind.PARAGRAPH, line, target="Long."),
        ],
        source_path=Path("long.txt"),
        model=FakeTranslator.label,
        generated_at=datetime(2024, 5, 1, tzinfo=timezone.utc),
    )
    path = tmp_path / "long.docx"
    path.write_bytes(render_docx(article))
    done = subprocess.run(
        [sys.executable, "-c", REIMPORT, str(path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    changed, unchanged, unmatched, peak_mb = map(int, done.stdout.split())
    assert (changed, unchanged, unmatched) == (0, 2, 0)
    # The document part is ~10 MB; reading it must stay within a small multiple of that.
    assert peak_mb < 400, f"peak RSS {peak_mb} MB"  # 190 MB measured


# --- 7. UTF-32 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_a_bom_is_decoded(codec):
    text = f"{TITLE}\n{PARAGRAPH}\n"
    data = text.encode(codec)
    if codec != "utf-32":
        data = (b"\xff\xfe\x00\x00" if codec.endswith("le") else b"\x00\x00\xfe\xff") + data
    article = article_from_bytes(data, Path("a.txt"))
    assert [b.source for b in article.blocks] == [TITLE, PARAGRAPH]


def test_damaged_utf32_is_refused_in_one_line():
    with pytest.raises(InputError, match="damaged UTF-32"):
        article_from_bytes(
            b"\xff\xfe\x00\x00" + TITLE.encode("utf-32-le") + b"\x00\x00\x11\x00", Path("a.txt")
        )


# --- 8. Markdown front matter --------------------------------------------------------------------


def test_front_matter_carries_no_raw_html(tmp_path):
    article = fake_article(
        [f"{TITLE} <script>alert(1)</script>", f"{PARAGRAPH} <b>x</b> &amp;"],
        lambda i, _: "<script>alert('en')</script> <b>bold</b> &lt;i&gt;",
    )
    article.source_path = Path("<img src=x onerror=alert(1)>.txt")
    article.model = "<b>model</b> 1.0"
    run_checks([article])
    text = render_markdown(article)
    assert html_in_markdown(text) == []
    front = text[4 : text.index("\n---\n", 4)]
    assert "<" not in front and ">" not in front and "&" not in front
    assert "\\u003cscript\\u003e" in front  # still there, as YAML reads it back


# --- property-based: arbitrary Unicode through every boundary ------------------------------------

short_text = st.text(st.one_of(st.characters(), st.sampled_from(NASTY)), max_size=40)
any_text = st.one_of(
    short_text,
    st.builds(lambda piece, times: piece * times, short_text, st.integers(2, 300)),  # very long strings
)
arabic_line = st.builds(lambda a, b: f"{a}{PARAGRAPH[:12]}{b}", short_text, short_text)
# What a reviewer can type in Word: anything XML holds, normalised the way the importer reads it.
typed_english = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co")), min_size=1, max_size=60
).map(normalise_english)


@given(
    lines=st.lists(st.one_of(arabic_line, any_text), min_size=1, max_size=5),
    english=st.lists(any_text, min_size=5, max_size=5),
    name=any_text,
    code=any_text,
    version=any_text,
    edited=typed_english,
)
def test_any_text_gives_valid_documents_that_reimport(
    tmp_path_factory, lines, english, name, code, version, edited
):
    article = parse_article("\n".join(lines), Path(clean_text(name).replace("/", "_") + ".txt"))
    assume(article.blocks)
    for i, block in enumerate(article.blocks):
        block.target = english[i % len(english)]
    article.model = Package(Path("p"), code, version, "ar", "en").label
    article.generated_at = datetime(2024, 5, 1, tzinfo=timezone.utc)
    run_checks([article])

    data = render_docx(article)
    parse_docx_strictly(data)
    core = Document(io.BytesIO(data)).core_properties
    assert all(len(v) <= PROPERTY_MAX for v in (core.title, core.subject, core.comments))

    text = render_markdown(article)
    text.encode("utf-8")
    assert html_in_markdown(text) == []
    assert markdown_table_rows(text) == [3] * (len(article.blocks) + 1)

    path = tmp_path_factory.mktemp("review") / "briefing.docx"
    path.write_bytes(data)
    result = read_review(path)
    assert (result.changes, result.unmatched, result.unchanged) == ([], [], len(article.blocks))

    shown = normalise_english(article.blocks[0].target.strip())
    assume(edited and edited != shown and not edited.startswith("⚑"))
    document = Document(str(path))
    set_english(document, 1, edited)
    document.save(str(path))
    result = read_review(path)
    assert [(c.key, c.change.target) for c in result.changes] == [(article.blocks[0].key, edited)]
    assert result.unmatched == []


@given(stem=any_text)
def test_any_name_gives_a_file_name_that_can_be_written(tmp_path_factory, stem):
    safe = output_stem(stem)
    assert safe and len(safe.encode("utf-8")) <= STEM_MAX_BYTES and clean_field(safe) == safe
    assert "/" not in safe and safe not in (".", "..")
    folder = tmp_path_factory.mktemp("names")
    (folder / f".{safe}.docx.12345678.part").write_bytes(b"")  # write_atomic's temporary name
    (folder / f"{safe}.docx").write_bytes(b"")
    assert output_stem(stem) == safe
