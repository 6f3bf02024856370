"""The charts' font: DejaVu Sans cut down to the characters charts use, without layout tables.

Why: embedding TrueType text in a PDF (``pdf.fonttype: 42``, what journals' checkers want)
makes matplotlib subset the font on every save, and DejaVu Sans carries large OpenType layout
tables (GSUB/GPOS/MATH) whose processing dominated the time to write a PDF. The cut-down copy
keeps every glyph outline, metric, hinting program and the classic kerning table, so charts look
the same, and PDFs are written about twice as fast.

The copy is made on first use (tens of milliseconds) in a cache folder, with a fixed timestamp
so that its bytes, and therefore every PDF and SVG using it, are the same on every run. It is
named "ComputeMoat Sans": DejaVu's licence (Bitstream Vera terms) asks modified copies to
carry another name. Registering it adds one family to matplotlib's font list and changes no
setting; it happens inside ``style_context``, never at import.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

FAMILY = "ComputeMoat Sans"
FALLBACK = "DejaVu Sans"
RECIPE = "1"  # bump when the cut changes
_EXTRA = "×²³¹⁰⁴⁵⁶⁷⁸⁹⁻≥≤·–—…‘’“”•−→←≈±°µ€£"
CHARACTERS = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180)) | {ord(c) for c in _EXTRA}


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (Path(base) / "compute-moat",
                   Path(tempfile.gettempdir()) / f"compute-moat-{os.getuid()}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise OSError("no writable cache folder for the chart font")


def build_font(source: Path, target: Path) -> Path:
    """Returns ``target`` after writing the cut-down copy of ``source`` there (atomically)."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "FFTM"]
    options.name_IDs = ["*"]
    options.glyph_names = True
    options.legacy_kern = True
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    font.recalcTimestamp = False  # keep the source's dates: same bytes on every build
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=CHARACTERS)
    subsetter.subset(font)
    names = {1: FAMILY, 3: f"{FAMILY} {RECIPE}", 4: FAMILY, 6: FAMILY.replace(" ", ""),
             16: FAMILY}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf.tmp")
    os.close(fd)
    try:
        font.save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


@lru_cache(maxsize=1)
def chart_family() -> str:
    """Returns the font family charts use, registering the cut-down font on first call.

    Falls back to DejaVu Sans (same look, slower PDFs) if the copy cannot be made.
    """
    try:
        import fontTools
        import matplotlib
        from matplotlib import font_manager

        source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
        target = _cache_dir() / f"ComputeMoatSans-{digest}-{fontTools.version}-{RECIPE}.ttf"
        if not target.is_file():
            build_font(source, target)
        font_manager.fontManager.addfont(str(target))
        return FAMILY
    except Exception:  # noqa: BLE001 - any failure: keep drawing with the original font
        return FALLBACK
