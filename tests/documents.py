"""The seed article as the Word document a colleague sends, built with python-docx.

Title and Heading 2 styles, right-to-left paragraphs, a header and a footer, the page
furniture the seed carries pasted in as plain paragraphs, one tracked insertion and one
tracked deletion, and a comment: the reader must take the insertion, drop the deletion
and never read the comment.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from translate_tool.article import Article, BlockKind

HEADER = "شبكة الأخبار العربية - قسم الشؤون الدولية"
FOOTER = "للاستخدام الداخلي فقط"
DELETED = "هذه الجملة حذفها المحرر"
COMMENT = "تعليق المراجع: تحقق من عدد القتلى"


def _rtl(paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph._p.get_or_add_pPr().append(parse_xml(f"<w:bidi {nsdecls('w')}/>"))
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(parse_xml(f"<w:rtl {nsdecls('w')}/>"))


def _tracked(paragraph, inserted: str, deleted: str) -> None:
    """Split the paragraph's last word off as a tracked insertion and add a tracked deletion."""
    ins = parse_xml(
        f'<w:ins {nsdecls("w")} w:id="901" w:author="محرر" w:date="2023-09-19T10:00:00Z">'
        f'<w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space="preserve"> {inserted}</w:t></w:r></w:ins>'
    )
    dele = parse_xml(
        f'<w:del {nsdecls("w")} w:id="902" w:author="محرر" w:date="2023-09-19T10:00:00Z">'
        f'<w:r><w:rPr><w:rtl/></w:rPr><w:delText xml:space="preserve"> {deleted}</w:delText></w:r></w:del>'
    )
    paragraph._p.append(dele)
    paragraph._p.append(ins)


def seed_docx(
    article: Article, path: Path, chrome: list[str], tracked: bool = True, title_style: str = "Title"
) -> Path:
    """`article` as a Word file; `chrome` lines go first and last as pasted page furniture.

    `tracked=False` leaves out the tracked changes and the comment (LibreOffice prints them);
    `title_style="Heading 1"` avoids the Title style's letter spacing, which LibreOffice
    prints as a "!" between letters in the text layer.
    """
    doc = Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    pasted_before, pasted_after = chrome[:-1], chrome[-1:]
    for line in pasted_before:
        _rtl(doc.add_paragraph(line))
    tracked_done = not tracked
    for block in article.blocks:
        if block.kind is BlockKind.TITLE:
            paragraph = doc.add_paragraph(block.source, style=title_style)
        elif block.kind is BlockKind.HEADING:
            paragraph = doc.add_paragraph(block.source, style="Heading 2")
        elif block.kind is BlockKind.PARAGRAPH and not tracked_done and len(block.source.split()) > 8:
            # The last word arrives as a tracked insertion; a deleted sentence sits beside it.
            head, _, last = block.source.rpartition(" ")
            paragraph = doc.add_paragraph(head)
            _rtl(paragraph)
            _tracked(paragraph, last, DELETED)
            doc.add_comment(paragraph.runs[0], text=COMMENT, author="مراجع")
            tracked_done = True
            continue
        else:
            paragraph = doc.add_paragraph(block.source)
        _rtl(paragraph)
    for line in pasted_after:
        _rtl(doc.add_paragraph(line))
    doc.save(str(path))
    return path


def set_main_content_type(
    path: Path, out: Path, content_type: str, extra: dict[str, bytes] | None = None
) -> Path:
    """A copy of the DOCX at `path` whose main part claims `content_type` (a .docm, say)."""
    import zipfile

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    content_type.encode(),
                )
            dst.writestr(info, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out


def two_columns(path: Path, out: Path) -> Path:
    """A copy of the DOCX at `path` laid out in two newspaper columns."""
    doc = Document(str(path))
    sect_pr = doc.sections[0]._sectPr
    for old in sect_pr.findall(qn("w:cols")):
        sect_pr.remove(old)
    sect_pr.append(parse_xml(f'<w:cols {nsdecls("w")} w:num="2" w:space="567"/>'))
    sect_pr.append(parse_xml(f"<w:bidi {nsdecls('w')}/>"))  # columns run right to left, as in Arabic papers
    doc.save(str(out))
    return out


def to_pdf(source: Path, outdir: Path, profile: Path) -> Path:
    """`source` printed to PDF by LibreOffice, with a private profile (others run soffice too)."""
    import subprocess

    command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    command += ["--convert-to", "pdf", "--outdir", str(outdir), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    out = outdir / f"{source.stem}.pdf"
    if not out.exists():
        raise RuntimeError(f"soffice made no PDF: {result.stdout}\n{result.stderr}")
    return out


def scanned_pdf(out: Path, width: int = 120, height: int = 60) -> Path:
    """A one-page PDF holding only a picture, as a scanner makes: no text layer at all."""
    import zlib

    pixels = bytes((x * 7 + y * 3) % 256 for y in range(height) for x in range(width))
    image = zlib.compress(pixels)
    content = f"q {width * 4} 0 0 {height * 4} 50 500 cm /Im1 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(image))
        + image
        + b"\nendstream",
    ]
    data = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    out.write_bytes(bytes(data))
    return out
