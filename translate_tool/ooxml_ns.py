"""Office Open XML namespaces, shared by the DOCX writer (`export/ooxml.py`) and the readers (`review/ooxml.py`).

Plain strings only, so a reader can use them without importing python-docx.
"""

from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CORE_PROPS_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DCTERMS_NS = "http://purl.org/dc/terms/"


def w(tag: str) -> str:
    """The Clark name (`{namespace}tag`) of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{tag}"
