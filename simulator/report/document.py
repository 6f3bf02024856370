"""A report as a list of blocks, written out as Markdown and as self-contained HTML.

Blocks are plain tuples, so the same content gives both files:
    ("h1" | "h2" | "h3", text)
    ("p", text)                       plain text (Markdown links allowed: [text](href))
    ("ul", [text, ...])
    ("table", headers, rows)          rows: lists of strings
    ("figure", image_href, alt, caption_lines, links)   links: [(label, href)]
    ("pre", text)                     preformatted (commands, BibTeX)
"""

from __future__ import annotations

import html
import re

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_SCHEMES = ("http", "https", "mailto")


def safe_href(href: str) -> bool:
    """Returns whether a link target may become a live link: http(s), mailto or relative.

    Scenario descriptions are user text: ``[x](javascript:...)`` (or data:, vbscript:, any
    other scheme, or a target with control characters a browser would strip) stays plain text.
    """
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in href):
        return False
    m = _SCHEME.match(href.strip())
    if m is None:
        return ":" not in href.split("/", 1)[0]  # a relative path ("a:b/c" is a scheme to some)
    return m.group(1).lower() in SAFE_SCHEMES


def _md_text(text: str) -> str:
    """Returns text with its unsafe Markdown links escaped, so no viewer makes them live."""
    return _LINK.sub(lambda m: m.group(0) if safe_href(m.group(2)) else
                     "\\[" + m.group(1) + "\\](" + m.group(2) + ")", str(text))


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks) -> str:
    """Returns the blocks as GitHub-flavoured Markdown."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + _md_text(block[1]))
        elif kind == "p":
            out.append(_md_text(block[1]))
        elif kind == "ul":
            out.append("\n".join(f"- {_md_text(item)}" for item in block[1]))
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
                     "|" + "|".join("---" for _ in headers) + "|"]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines))
        elif kind == "figure":
            _, href, alt, caption, links = block
            text = [f"![{alt}]({href})"]
            text += [f"*{line}*" if i == 0 else line for i, line in enumerate(caption)]
            if links:
                text.append("Files: " + " · ".join(f"[{label}]({h})" for label, h in links))
            out.append("\n\n".join(text))
        elif kind == "pre":
            out.append("```\n" + block[1].rstrip("\n") + "\n```")
        else:
            raise ValueError(f"unknown block {kind!r}")
    return "\n\n".join(out) + "\n"


def _inline_html(text: str) -> str:
    """Escapes text, then turns [label](href) into links and `code` into <code>."""
    parts, last = [], 0
    for m in _LINK.finditer(text):
        if not safe_href(m.group(2)):
            continue  # left as escaped text below
        parts.append(_code(html.escape(text[last:m.start()])))
        parts.append(f'<a href="{html.escape(m.group(2))}">{html.escape(m.group(1))}</a>')
        last = m.end()
    parts.append(_code(html.escape(text[last:])))
    return "".join(parts)


def _code(escaped: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85rem;color:#444}pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;
font-size:.8rem}.muted{color:#666;font-size:.85rem}
"""

_NUMERIC = re.compile(r"^[-+−$]?[\d.,]+(e[-+]?\d+)?\s?[%×kMBT]?$")


def to_html(blocks, title: str) -> str:
    """Returns the blocks as one self-contained HTML page (images referenced relatively)."""
    body = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{_inline_html(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline_html(block[1])}</p>")
        elif kind == "ul":
            items = "".join(f"<li>{_inline_html(i)}</li>" for i in block[1])
            body.append(f"<ul>{items}</ul>")
        elif kind == "table":
            headers, rows = block[1], block[2]
            head = "".join(f"<th>{_inline_html(h)}</th>" for h in headers)
            trs = []
            for row in rows:
                cells = "".join(
                    f'<td class="num">{_inline_html(c)}</td>' if _NUMERIC.match(str(c))
                    else f"<td>{_inline_html(c)}</td>" for c in row)
                trs.append(f"<tr>{cells}</tr>")
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(trs)}"
                        "</tbody></table>")
        elif kind == "figure":
            _, href, alt, caption, links = block
            cap = "<br>".join(
                f"<strong>{_inline_html(c)}</strong>" if i == 0 else _inline_html(c)
                for i, c in enumerate(caption))
            if links:
                cap += "<br>Files: " + " · ".join(
                    f'<a href="{html.escape(h)}">{html.escape(label)}</a>' for label, h in links)
            src = href[:-4] + ".svg" if href.endswith(".png") else href  # vector in the browser
            body.append(f'<figure><img src="{html.escape(src)}" alt="{html.escape(alt)}">'
                        f"<figcaption>{cap}</figcaption></figure>")
        elif kind == "pre":
            body.append(f"<pre>{html.escape(block[1])}</pre>")
        else:
            raise ValueError(f"unknown block {kind!r}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
