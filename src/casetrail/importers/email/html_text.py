"""HTML mail bodies reduced to plain text that is safe to show and keeps what matters as evidence.

Nothing is rendered or fetched: scripts, styles, comments and the head are dropped, link targets and
image addresses are written out beside their text (where a link really goes is often the point), and
block elements become line breaks. The stdlib ``html.parser`` backend is used, so no C parser reads
hostile markup, and the tree is walked with an explicit stack, so deep nesting costs no recursion.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

_DROPPED = frozenset(
    ("script", "style", "head", "title", "noscript", "template", "object", "embed", "iframe", "svg")
)
_BLOCKS = frozenset(
    (
        "p", "div", "table", "tr", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
        "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer", "nav", "aside",
        "center", "form", "address", "figure", "figcaption", "main", "fieldset", "caption", "body",
    )
)  # fmt: skip
_BREAK = "\x00"  # stands for a line break until white space is collapsed (NULs are removed first)
_SPACE = re.compile(r"[^\S\x00]+")
_BLANK_RUN = re.compile(r"\n{3,}")
_LINK_TEXT_PIECES = 64  # a link's own text is compared with its target only when it is this short


def _attribute(tag: Tag, name: str) -> str:
    value = tag.get(name)
    text = " ".join(value) if isinstance(value, list) else (value or "")
    return _SPACE.sub(" ", text.replace(_BREAK, "")).strip()


# What to do when a tag closes: text to add, whether it ends a <pre>, where its link text began.
_Close = tuple[str, bool, int, str]


def _shows_target(out: list[str], start: int, href: str) -> bool:
    """Whether a link's own text is its target already (then it is not written twice)."""
    if len(out) - start > _LINK_TEXT_PIECES:
        return False
    return _SPACE.sub(" ", "".join(out[start:]).replace(_BREAK, " ")).strip() == href


def _pieces(soup: BeautifulSoup) -> list[str]:
    """The visible strings and line-break markers in document order (a stack, not recursion)."""
    out: list[str] = []
    stack: list[PageElement | _Close] = [soup]
    pre = 0
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            text, ends_pre, start, href = node
            pre -= ends_pre
            if href and not _shows_target(out, start, href):
                out.append(f" [{href}]")
            out.append(text)
        elif isinstance(node, NavigableString):
            if type(node) is NavigableString:  # not a comment, doctype, CDATA or processing instruction
                out.append(node.replace("\n", _BREAK) if pre else str(node))
        elif isinstance(node, Tag) and node.name not in _DROPPED:
            _open(node, out, stack)
            pre += node.name == "pre"
    return out


def _open(tag: Tag, out: list[str], stack: list[PageElement | _Close]) -> None:
    """Write what a tag shows when it opens, and push what it shows when it closes, then its children."""
    name = tag.name
    if name == "br":
        out.append(_BREAK)
        return
    if name == "img":
        src, alt = _attribute(tag, "src"), _attribute(tag, "alt")
        if src or alt:
            out.append(f" [image: {alt + ' ' if alt else ''}{src}] ")
        return
    block = name in _BLOCKS
    if block:
        out.append(_BREAK)
    href = _attribute(tag, "href") if name == "a" else ""
    stack.append((_BREAK if block else "", name == "pre", len(out), href))
    stack.extend(reversed(tag.contents))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: visible text, ``text [link target]``, ``[image: address]``."""
    soup = BeautifulSoup(html.replace(_BREAK, ""), "html.parser")
    out = _pieces(soup)
    flat = _SPACE.sub(" ", "".join(out))
    lines = (line.strip() for line in flat.split(_BREAK))
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
