"""PDFs printed by LibreOffice from the seed: one and two columns, and the ones we refuse."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from documents import FOOTER, HEADER, scanned_pdf, seed_docx, to_pdf, two_columns
from helpers import run_cli as run
from pages import seed_article

from translate_tool.errors import InputError
from translate_tool.readers import read_article

pytestmark = pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice to print the PDFs")
SEED_CHROME = ["دولي آخر تحديث في", "آخر تحديث في", "يقرأون الآن"]


def rows(article):
    return [(b.kind.value, b.source) for b in article.blocks]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """The seed as a one-column and a two-column PDF, an image-only scan, and an encrypted copy."""
    folder = tmp_path_factory.mktemp("pdf")
    profile = folder / "profile"
    # LibreOffice prints the Title style's letter spacing as "!" glyphs: use Heading 1.
    docx = seed_docx(
        seed_article(), folder / "seed.docx", SEED_CHROME, tracked=False, title_style="Heading 1"
    )
    out = {"one": to_pdf(docx, folder, profile)}
    out["two"] = to_pdf(two_columns(docx, folder / "twocol.docx"), folder, profile)
    out["scan"] = scanned_pdf(folder / "scan.pdf")
    for kind, password in (("encrypted", "DocumentOpenPassword"), ("permissions", "PermissionPassword")):
        options = (
            '{"EncryptFile":{"type":"boolean","value":"true"},'
            f'"{password}":{{"type":"string","value":"secret"}}}}'
        )
        locked = folder / kind
        locked.mkdir()
        command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
        command += ["--convert-to", f"pdf:writer_pdf_Export:{options}", "--outdir", str(locked), str(docx)]
        subprocess.run(command, capture_output=True, timeout=180)
        out[kind] = locked / "seed.pdf"
    return out


@pytest.mark.parametrize("layout", ["one", "two"])
def test_seed_pdf_gives_the_seed_rows_in_logical_order(pdfs, layout):
    article = read_article(pdfs[layout])
    assert rows(article) == rows(seed_article())
    # The running header and footer, seen on every page, are chrome; so is the seed's own furniture.
    assert article.chrome == [HEADER, FOOTER, *SEED_CHROME]


def test_no_text_layer_exits_2_with_its_message(pdfs, tmp_path, capsys, synthetic_model):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", pdfs["scan"], "--model", synthetic_model, "--out-dir", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert err.strip().endswith("no text layer; OCR is not supported")
    assert not out.exists()


def test_encrypted_pdf_exits_2_with_its_own_message(pdfs, tmp_path, capsys, synthetic_model):
    assert pdfs["encrypted"].read_bytes().count(b"/Encrypt") >= 1
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", pdfs["encrypted"], "--model", synthetic_model, "--out-dir", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "encrypted PDF" in err
    assert not out.exists()


def test_a_pdf_locked_only_against_editing_is_read(pdfs):
    assert b"/Encrypt" in pdfs["permissions"].read_bytes()  # it opens without a password
    assert rows(read_article(pdfs["permissions"])) == rows(seed_article())


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF",
        b"%PDF-1.7\n" + b"\x00\xff" * 500,
    ],
)
def test_damaged_pdf_is_one_line(tmp_path, data):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(InputError, match="bad.pdf: (damaged PDF|no text layer)"):
        read_article(path)
