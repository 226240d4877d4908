"""Text renderings: tab-separated, one cell per line (tab-indented blocks), and PDF-extracted tokens."""

import random
import textwrap

from tools.corpus.layout import Document, GCell, grid


def _origin_rows(block) -> list[list[tuple[GCell | None, bool]]]:
    """Grid rows as (cell, is_origin) so covered positions can print as empty."""
    seen: set[int] = set()
    out = []
    for row in grid(block):
        line = []
        for cell in row:
            origin = cell is not None and id(cell) not in seen
            if cell is not None:
                seen.add(id(cell))
            line.append((cell, origin))
        out.append(line)
    return out


def _prose(doc: Document, rng: random.Random, markdown: bool) -> dict[int, str]:
    out = {}
    for i, b in enumerate(doc.blocks):
        if b.kind == "table":
            continue
        prefix = "## " if markdown and b.kind in ("title", "heading") and rng.random() < 0.7 else ""
        out[i] = prefix + b.text
    return out


def render_tab(doc: Document, rng: random.Random) -> str:
    """Seeds 001/002/004: one grid row per line, cells separated by tabs, merged positions empty."""
    prose = _prose(doc, rng, markdown=rng.random() < 0.5)
    lines: list[str] = []
    for i, b in enumerate(doc.blocks):
        if b.kind != "table":
            lines += [prose[i], ""]
            continue
        for row in _origin_rows(b):
            wrapped = next((c for c, origin in row if c and origin and c.wrap), None)
            if wrapped:  # the label over two lines, the values on a third (a WPS table as text)
                for n, part in enumerate((wrapped.text[: wrapped.wrap], wrapped.text[wrapped.wrap:])):
                    lines.append("\t".join((part if c is wrapped else (c.text if c.key is None and n == 0 else ""))
                                           if (c and origin) else "" for c, origin in row))
                lines.append("\t".join(c.text if (c and origin and c.key) else "" for c, origin in row))
                continue
            lines.append("\t".join(c.text if (c and origin) else "" for c, origin in row))
        lines.append("")
    return "\n".join(lines) + "\n"


def render_pipe(doc: Document, rng: random.Random) -> str:
    """A markdown page: tables as ``| a | b |`` rows under a ``|---|`` rule, merged positions empty."""
    prose = _prose(doc, rng, markdown=True)
    lines: list[str] = []
    for i, b in enumerate(doc.blocks):
        if b.kind != "table":
            lines += [prose[i], ""]
            continue
        for n, row in enumerate(_origin_rows(b)):
            lines.append("| " + " | ".join(c.text if (c and origin) else "" for c, origin in row) + " |")
            if n == 0:
                lines.append("|" + "---|" * len(row))
        lines.append("")
    return "\n".join(lines) + "\n"


def render_blocks(doc: Document, rng: random.Random) -> str:
    """Seed 003: each grid row a block of tab-indented lines, one cell per line."""
    lines: list[str] = []
    for b in doc.blocks:
        if b.kind != "table":
            lines += [b.text, ""]
            continue
        for row in _origin_rows(b):
            lines += ["\t" + (c.text if (c and origin) else "") for c, origin in row]
            lines.append("")
    return "\n".join(lines) + "\n"


def render_tokens(doc: Document, rng: random.Random) -> str:
    """Seed 000: text as a PDF extractor gives it: labels wrapped mid-word, values after the label,
    vertical headers one character per line."""
    width = rng.randint(7, 14)
    lines: list[str] = []
    for b in doc.blocks:
        if b.kind != "table":
            lines += textwrap.wrap(b.text, 30) + [""]
            continue
        for row in _origin_rows(b):
            labels = [c for c, origin in row if c and origin and c.key is None and c.text]
            values = [c.text for c, origin in row if c and origin and c.key is not None]
            for cell in labels:
                if cell.vertical:
                    lines += list(cell.text.replace(" ", ""))
                else:
                    lines += textwrap.wrap(cell.text, cell.wrap or width) or [cell.text]
            if values:
                if lines and labels and not any(c.wrap for c in labels) and rng.random() < 0.6:
                    lines[-1] += " " + " ".join(values)
                else:
                    lines.append(" ".join(values))
        lines.append("")
    return "\n".join(lines) + "\n"
