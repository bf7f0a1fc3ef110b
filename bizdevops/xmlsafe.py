"""Hardened XML parsing shared by BPMN, DMN and the modeler (no DTD, no entities, no network)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# 10 MiB is far above any real diagram (a 500-element BPMN file is ~130 KB) and keeps a hostile upload cheap.
MAX_XML_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class XmlProblem(Exception):
    """An XML document was refused; `message` is safe to show to the user."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message if self.line is None else f"{self.message} (line {self.line})"


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


def parse_xml(data: str | bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML; raise XmlProblem for anything malformed, oversized or carrying a DOCTYPE."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise XmlProblem(f"The file is too large ({len(raw)} bytes; the limit is {max_bytes}).")
    if not raw.strip():
        raise XmlProblem("The file is empty.")
    # A DOCTYPE is never needed by BPMN, DMN or form files, and is how entity attacks start.
    head = raw[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in raw.lower():
        raise XmlProblem("Documents with a DOCTYPE or entity declarations are not accepted.")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlProblem(f"The file is not well-formed XML: {exc.msg}", exc.lineno) from None
    if root is None:
        raise XmlProblem("The file holds no XML element.")
    return root
