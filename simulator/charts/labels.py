"""Point labels that do not overprint: a greedy placement for scatter charts on log axes.

Each label tries a few spots around its point (right-above, right-below, left-above, ...) and
takes the first that overlaps no label already placed and no other point; a label with no free
spot is left out (the point keeps its tooltip). Sizes are in pixels of the drawn chart, from an
estimate of its width and height and of a character's width.

Example:
    >>> spots = place_labels([(1000, 2, "A"), (1000, 2.05, "B")], x_domain=(100, 1e5),
    ...                      y_domain=(1, 100), width_px=600, height_px=400)
    >>> [s.text for s in spots], spots[0].dy != spots[1].dy
    (['A', 'B'], True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# (dx, dy, align): offsets in pixels from the point to the label's anchor.
SPOTS = ((7, -8, "left"), (7, 9, "left"), (-7, -8, "right"), (-7, 9, "right"),
         (0, -15, "center"), (0, 16, "center"))
POINT_RADIUS_PX = 5.0


@dataclass(frozen=True)
class Spot:
    """Where one label goes: the point, its text, and the label's offset and alignment."""

    x: float
    y: float
    text: str
    dx: int
    dy: int
    align: str


def _to_px(value, domain, size, flip=False):
    lo, hi = (math.log10(d) for d in domain)
    frac = (math.log10(value) - lo) / (hi - lo) if hi > lo else 0.5
    return size * (1 - frac) if flip else size * frac


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points, *, x_domain, y_domain, width_px: float, height_px: float,
                 char_px: float = 6.0, line_px: float = 12.0) -> list[Spot]:
    """Returns a Spot for each (x, y, text) point whose label fits somewhere free (log axes
    over ``x_domain`` and ``y_domain``); labels that fit nowhere are left out."""
    pix = [(_to_px(x, x_domain, width_px), _to_px(y, y_domain, height_px, flip=True))
           for x, y, _ in points]
    dots = [(px - POINT_RADIUS_PX, py - POINT_RADIUS_PX, px + POINT_RADIUS_PX,
             py + POINT_RADIUS_PX) for px, py in pix]
    placed, out = [], []
    order = sorted(range(len(points)), key=lambda i: (pix[i][0], pix[i][1]))
    for i in order:
        x, y, text = points[i]
        px, py = pix[i]
        w = char_px * len(text)
        for dx, dy, align in SPOTS:
            left = px + dx if align == "left" else px + dx - w if align == "right" else \
                px - w / 2
            box = (left, py + dy - line_px / 2, left + w, py + dy + line_px / 2)
            if box[0] < 0 or box[2] > width_px or box[1] < 0 or box[3] > height_px:
                continue
            if any(_overlap(box, b) for b in placed) or any(
                    _overlap(box, d) for j, d in enumerate(dots) if j != i):
                continue
            placed.append(box)
            out.append(Spot(x, y, text, dx, dy, align))
            break
    return out


def log_domain(values) -> tuple[float, float]:
    """Returns whole decades enclosing the positive ``values`` (the axis domain to draw)."""
    positive = [v for v in values if v is not None and v == v and v > 0]
    if not positive:
        return 1.0, 10.0
    return (10.0 ** math.floor(math.log10(min(positive))),
            10.0 ** math.ceil(math.log10(max(positive))))
