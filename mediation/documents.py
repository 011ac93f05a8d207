"""The agreement (人民调解协议书) as DOCX (python-docx) and PDF (reportlab),
written from one template of paragraphs, stored privately under random names and served
only through the scoped file view (governance/files.py)."""

from __future__ import annotations

import io
import secrets
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

# reportlab embeds TrueType outlines only; the CJK fonts installed (Noto Sans CJK, .ttc)
# have PostScript (CFF) outlines, which it refuses. The PDF therefore names Adobe's
# standard Simplified Chinese CID font (STSong-Light, UniGB-UCS2-H): every PDF reader
# ships or substitutes it, and the text stays real, searchable Unicode text.
CJK_FONT_NAME = "STSong-Light"


def agreement_paragraphs(dispute, agreement) -> tuple[str, list[str]]:
    """(title, paragraphs) of the agreement: the parties with their roles, the dispute,
    the terms, the date. ID and phone numbers are not printed (the signed paper has them)."""
    lines = [_("编号:%(n)s") % {"n": dispute.number}]
    for party in dispute.parties.all():
        lines.append(f"{party.get_role_display()}:{party.name}")
    lines.append(_("纠纷事项:%(t)s") % {"t": dispute.title})
    if dispute.org_id:
        lines.append(_("调解组织:%(o)s") % {"o": dispute.org.name})
    lines.append(_("经调解,当事人自愿达成如下协议:"))
    lines.extend(line for line in agreement.terms.splitlines() if line.strip())
    lines.append(_("本协议自各方当事人签名之日起生效,当事人应当按照约定履行。"))
    lines.append(_("签订日期:%(d)s") % {"d": agreement.signed_on.isoformat()})
    return _("人民调解协议书"), lines


def docx_bytes(title: str, lines: list[str]) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT_NAME))
    return CJK_FONT_NAME


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=18, leading=28, alignment=1)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title)
    # Paragraph parses a mini-markup: the parties' own text is escaped.
    story = [Paragraph(escape(title), head), Spacer(1, 12)]
    story += [Paragraph(escape(line), body) for line in lines]
    doc.build(story)
    return out.getvalue()


def agreement_files_write(dispute, agreement) -> tuple[str, str]:
    """Write both files; returns their storage names (random, never guessable)."""
    title, lines = agreement_paragraphs(dispute, agreement)
    stem = f"mediation/agreements/{secrets.token_hex(16)}"
    docx = default_storage.save(f"{stem}.docx", ContentFile(docx_bytes(title, lines)))
    pdf = default_storage.save(f"{stem}.pdf", ContentFile(pdf_bytes(title, lines)))
    return docx, pdf
