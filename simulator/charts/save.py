"""Write a chart as PNG, SVG and PDF with its provenance inside, byte for byte reproducibly.

    from simulator.charts.save import save_figure
    paths = save_figure(fig, "out/lag", {"title": "...", "scenario_sha256": "..."})

The same figure gives the same bytes on every run: SVG ids come from a fixed hash salt, and
the PDF and SVG carry no creation date (the date of a report lives in its provenance.json).
Files are written atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

from simulator import atomic
from simulator.charts.style import Stamp, chart_info, style_context
from simulator.provenance import sha256_bytes

FORMATS = ("png", "svg", "pdf")
NO_LIGATURES = ("-liga", "-clig")
AUTHOR = "Compute Moat simulator"
# The keys save_figure understands in its ``metadata`` mapping; all optional.
METADATA_KEYS = ("title", "description", "keywords", "scenario_id", "scenario_sha256",
                 "code_version", "fit_sha256", "source", "citation")


def _metadata_from(fig, metadata) -> dict:
    """Returns the plain metadata mapping, filled in from the chart's own info."""
    meta = {}
    try:
        info = chart_info(fig)
    except ValueError:
        info = None
    if info is not None:
        stamp = info.footer.stamp
        meta.update({
            "title": info.title, "source": info.footer.source,
            "code_version": stamp.code_version, "scenario_id": stamp.scenario_id,
            "scenario_sha256": stamp.scenario_sha256, "fit_sha256": stamp.fit_sha256,
            "description": stamp.description(),
        })
    if isinstance(metadata, Stamp):
        metadata = {"code_version": metadata.code_version, "scenario_id": metadata.scenario_id,
                    "scenario_sha256": metadata.scenario_sha256,
                    "fit_sha256": metadata.fit_sha256, "description": metadata.description()}
    for key, value in (metadata or {}).items():
        if key not in METADATA_KEYS:
            raise ValueError(f"unknown metadata key {key!r}; valid: {', '.join(METADATA_KEYS)}")
        if value is not None:
            meta[key] = value
    if "description" not in meta:
        meta["description"] = "; ".join(
            f"{k}={meta[k]}" for k in ("code_version", "scenario_id", "scenario_sha256",
                                       "fit_sha256") if meta.get(k))
    return meta


def _keywords(meta) -> list[str]:
    words = ["compute-moat"]
    for key in ("scenario_id", "scenario_sha256", "code_version", "fit_sha256"):
        if meta.get(key):
            words.append(f"{key}={meta[key]}")
    words += list(meta.get("keywords") or [])
    return words


def format_metadata(fmt: str, meta: dict) -> dict:
    """Returns matplotlib's ``savefig(metadata=...)`` for one format, with no timestamps."""
    title = meta.get("title", "")
    desc = meta.get("description", "")
    if fmt == "pdf":
        return {"Title": title, "Author": AUTHOR, "Subject": desc,
                "Keywords": "; ".join(_keywords(meta)),
                "Creator": f"Compute Moat {meta.get('code_version', '')}".strip(),
                "CreationDate": None, "ModDate": None}
    if fmt == "svg":
        out = {"Title": title, "Creator": AUTHOR, "Description": desc,
               "Keywords": _keywords(meta), "Date": None}
        if meta.get("source"):
            out["Source"] = meta["source"]
        if meta.get("scenario_sha256"):
            out["Identifier"] = f"sha256:{meta['scenario_sha256']}"
        if meta.get("citation"):
            out["Relation"] = meta["citation"]
        return out
    if fmt == "png":
        out = {"Title": title, "Author": AUTHOR, "Description": desc,
               "Keywords": "; ".join(_keywords(meta))}
        if meta.get("source"):
            out["Source"] = meta["source"]
        return out
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")


def figure_bytes(fig, fmt: str, metadata=None) -> bytes:
    """Returns the figure rendered in ``fmt`` (png, svg or pdf) with embedded metadata."""
    return _render(fig, (fmt,), _metadata_from(fig, metadata))[fmt]


def _plain_glyphs(fig) -> None:
    """Turns off ligatures ("fi") in every text made so far: a PDF then embeds one font
    subset, not two, which halves the time spent subsetting fonts. (Tick labels made while
    drawing are single-line numbers and carry no ligature.)"""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if text.get_fontfeatures() is None:
            text.set_fontfeatures(NO_LIGATURES)


def _settle_layout(fig) -> None:
    """Runs the figure's layout once, then fixes every axes where it landed.

    The constrained-layout solver (kiwisolver) can differ in the last bits of a float from one
    call to the next in the same process; SVG clip-path ids hash those floats. Rounding the
    positions to 1e-9 of the figure makes every file independent of what was drawn before.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    engine.execute(fig)
    # No engine at all from here ("none" would leave a placeholder engine, and savefig then
    # draws every figure twice).
    fig.set_layout_engine(None)
    for ax in fig.axes:
        ax.set_position([round(float(v), 9) for v in ax.get_position(original=False).bounds])


def _render(fig, formats, meta) -> dict:
    """Returns {format: bytes}, laying the figure out once for all formats."""
    out = {}
    with style_context():
        engine = fig.get_layout_engine()
        _plain_glyphs(fig)
        try:
            _settle_layout(fig)
            for fmt in formats:
                buf = io.BytesIO()
                # zlib level 1: PNGs ~2% larger, written noticeably faster.
                extra = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
                fig.savefig(buf, format=fmt, metadata=format_metadata(fmt, meta), **extra)
                out[fmt] = buf.getvalue()
        finally:
            if fig.get_layout_engine() is not engine:
                fig.set_layout_engine(engine)
    return out


def save_figure(fig, base_path, metadata=None, formats=FORMATS) -> dict:
    """Returns {format: {"path", "sha256"}} after writing ``base_path``.png/.svg/.pdf.

    ``metadata`` is a mapping with keys among METADATA_KEYS or a ``Stamp``; the chart's own
    title, source and stamp fill in what it leaves out.
    """
    base = Path(base_path)
    written = {}
    for fmt, data in _render(fig, tuple(formats), _metadata_from(fig, metadata)).items():
        path = atomic.write_bytes(base.with_name(f"{base.name}.{fmt}"), data)
        written[fmt] = {"path": path, "sha256": sha256_bytes(data)}
    return written
