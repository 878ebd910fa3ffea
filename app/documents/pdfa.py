"""PDF/A-2b plumbing for ReportLab: embedded fonts, XMP metadata and an sRGB output intent.

ReportLab has no PDF/A switch (and silently ignores unknown keyword arguments), so the pieces
are added by hand and the result is checked by the tests with pikepdf's PDF/A validator.

- Fonts: the Bitstream Vera TrueType fonts shipped inside the `reportlab` package, embedded as
  subsets; text is reduced to the glyphs they hold (a missing glyph would be a `.notdef`).
- Colour: an sRGB ICC profile generated at run time by LittleCMS (bundled with Pillow, a
  dependency of ReportLab): nothing is downloaded, nothing is read from the system.
- Metadata: an uncompressed XMP packet that mirrors the document information dictionary.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from PIL import ImageCms
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "ParcoursSans"
FONT_BOLD = "ParcoursSans-Bold"
FONT_ITALIC = "ParcoursSans-Italic"
FONT_BOLD_ITALIC = "ParcoursSans-BoldItalic"
PRODUCER = "Parcours (ReportLab)"
SRGB = "sRGB IEC61966-2.1"

_VERA_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", FONT_BOLD_ITALIC: "VeraBI.ttf"}


@cache
def register_fonts() -> None:
    """Register the embedded font family once per process."""
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, filename in _VERA_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD_ITALIC)


@cache
def _covered_characters() -> frozenset[int]:
    register_fonts()
    covered: set[int] | None = None
    for name in _VERA_FILES:
        font = pdfmetrics.getFont(name)
        chars = set(font.face.charToGlyph)
        covered = chars if covered is None else covered & chars
    return frozenset(covered or ())


_REPLACEMENTS = {"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2011": "-", "\u2013": "-", "\u2014": "-"}


def printable(text: str) -> str:
    """`text` with every character the fonts cannot draw replaced (PDF/A forbids `.notdef`)."""
    covered = _covered_characters()
    out = []
    for char in text:
        if ord(char) in covered or char in "\n\t":
            out.append(char)
        elif _REPLACEMENTS.get(char, "") and ord(_REPLACEMENTS[char]) in covered:
            out.append(_REPLACEMENTS[char])
        else:
            out.append("?")
    return "".join(out)


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile built by LittleCMS (v4; PDF/A-2 accepts ICC v4 profiles)."""
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    created: datetime  # UTC, naive or aware


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def xmp_packet(meta: Metadata) -> bytes:
    """XMP metadata declaring PDF/A-2b and repeating the information dictionary."""
    title, author, subject = (escape(printable(v)) for v in (meta.title, meta.author, meta.subject))
    date = _xmp_date(meta.created)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{PRODUCER}</pdf:Producer>
   <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


class _RawStream(PDFStream):
    """A stream that may be written as given, without a /Filter key (PDF/A forbids it on metadata)."""

    def __init__(self, dictionary: PDFDictionary, content: bytes, compress: bool) -> None:
        super().__init__(dictionary=dictionary, content=content)
        self._compress = compress

    def format(self, document: Any) -> bytes:
        if self._compress:
            return bytes(super().format(document))
        dictionary = PDFDictionary(self.dictionary.dict.copy())
        content = document.encrypt.encode(self.content)
        dictionary["Length"] = len(content)
        return bytes(pdf_format(dictionary, document) + b"\nstream\n" + pdf_format(content, document) + b"endstream\n")


def make_pdfa(canvas: Canvas, meta: Metadata) -> None:
    """Set the information dictionary, XMP metadata and output intent; call before `save()`."""
    canvas.setTitle(printable(meta.title))
    canvas.setAuthor(printable(meta.author))
    canvas.setSubject(printable(meta.subject))
    canvas.setCreator(PRODUCER)
    canvas.setProducer(PRODUCER)
    canvas.setKeywords("")
    document = canvas._doc
    document.info._dateFormatter = lambda *_args: _pdf_date(meta.created)
    catalog = document.Catalog
    catalog.Metadata = _RawStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), xmp_packet(meta), compress=False
    )
    profile = _RawStream(PDFDictionary({"N": 3}), srgb_profile(), compress=True)
    intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString(SRGB),
            "Info": PDFString(SRGB),
            "DestOutputProfile": document.Reference(profile),
        }
    )
    catalog.OutputIntents = PDFArray([intent])
    # PDFCatalog only writes the keys it knows; add ours to this instance's list.
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]
    for page in document.Pages.pages:
        page.Trans = None  # ReportLab writes an empty /Trans that validators cannot vouch for


def flatten_png(png: bytes) -> io.BytesIO:
    """An RGB copy of a PNG on white: no transparency groups to declare, smaller files."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.load()
        rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    background.save(out, format="PNG")
    out.seek(0)
    return out
