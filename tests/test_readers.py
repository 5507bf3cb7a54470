"""Choosing the reader: by what the bytes are, not by the file's name; folders take every supported file."""

from __future__ import annotations

import pytest
from pages import SEED

from translate_tool.errors import InputError
from translate_tool.readers import SUFFIXES, expand_inputs, read_article, sniff


@pytest.mark.parametrize(
    "data,what",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "old Word .doc"),
        (b"{\\rtf1\\ansi ...}", "RTF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        (b"\x00\x01\x02\x03binary", "binary file"),
    ],
)
def test_unsupported_formats_are_named_with_the_supported_ones(tmp_path, data, what):
    path = tmp_path / "article.txt"  # the name does not make it text
    path.write_bytes(data)
    with pytest.raises(InputError, match=f"unsupported format, .*{what}.*supported: plain text"):
        read_article(path)


def test_text_is_text_whatever_its_name(tmp_path, seed_path):
    renamed = tmp_path / "article.pdf"
    renamed.write_bytes(seed_path.read_bytes())
    assert sniff(renamed.read_bytes()) == "txt"
    assert len(read_article(renamed).blocks) == 39


def test_folder_takes_every_supported_file_and_nothing_else(tmp_path, seed_path):
    for name in ("b.txt", "a.TXT", "notes.odt", "image.png", ".hidden"):
        (tmp_path / name).write_bytes(seed_path.read_bytes())
    (tmp_path / "page_files").mkdir()
    found = [p.name for p in expand_inputs([tmp_path])]
    assert found == sorted(n for n in ("b.txt", "a.TXT") if (tmp_path / n).suffix.lower() in SUFFIXES)


def test_folder_without_articles_names_the_formats(tmp_path):
    (tmp_path / "x.png").write_bytes(b"\x89PNG")
    with pytest.raises(InputError, match="no articles .supported: plain text"):
        expand_inputs([tmp_path])


def test_export_help_lists_every_format(capsys):
    from helpers import run_cli

    from translate_tool.readers import FORMATS

    code, out, _ = run_cli(capsys, "export", "--help")
    assert code == 0
    for description in FORMATS.values():
        assert description.split(" (")[0].split()[0] in out  # plain, web, Word, PDF
    for suffix in (".txt", ".html", ".docx", ".pdf"):
        assert suffix in out


def test_reading_a_txt_file_imports_no_parser():
    import subprocess
    import sys

    probe = (
        "import sys\nfrom translate_tool.readers import read_article\n"
        f"read_article(__import__('pathlib').Path({str(SEED)!r}))\n"
        "print(sorted(m for m in ('trafilatura', 'pdfminer', 'lxml', 'docx') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
