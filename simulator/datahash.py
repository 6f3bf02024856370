"""SHA-256 of every data file, as listed in data/README.md ("## SHA-256 of every data file").

    python -m simulator.datahash           # exit 1 and list the files whose hash is stale
    python -m simulator.datahash --write   # rewrite the table in data/README.md (atomically)

A data file is any file under data/ except README.md, .gitignore files and what a .gitignore in
data/ excludes (run directories, caches): the same set a clean clone has.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from simulator.paths import DATA_DIR
from simulator.provenance import sha256_file

README = DATA_DIR / "README.md"
HEADING = "## SHA-256 of every data file"
_ROW = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$")


def _ignored_dirs(root: Path) -> list:
    """Returns the directories excluded by .gitignore files under ``root`` ('name/' lines)."""
    out = []
    for gi in root.rglob(".gitignore"):
        for line in gi.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and line.endswith("/"):
                out.append(gi.parent / line.rstrip("/"))
    return out


def data_files(root: Path = DATA_DIR) -> list:
    """Returns the data files' paths relative to ``root``, sorted, as POSIX strings."""
    skip = _ignored_dirs(root)
    files = []
    for p in root.rglob("*"):
        if not p.is_file() or p.name in ("README.md", ".gitignore"):
            continue
        if any(d == p.parent or d in p.parents for d in skip):
            continue
        files.append(p.relative_to(root).as_posix())
    return sorted(files)


def listed_hashes(readme: Path = README) -> dict:
    """Returns {path: sha256} from the README's hash table."""
    text = readme.read_text()
    if HEADING not in text:
        return {}
    table = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for m in map(_ROW.match, table.splitlines()) if m}


def table(root: Path = DATA_DIR) -> str:
    """Returns the markdown table of every data file and its SHA-256."""
    rows = ["| file | SHA-256 |", "|---|---|"]
    rows += [f"| `{f}` | `{sha256_file(root / f)}` |" for f in data_files(root)]
    return "\n".join(rows)


def stale(root: Path = DATA_DIR, readme: Path = README) -> list:
    """Returns the data files whose listed hash is missing or wrong, and listed files that are
    gone."""
    listed = listed_hashes(readme)
    files = data_files(root)
    bad = [f for f in files if listed.get(f) != sha256_file(root / f)]
    return bad + [f for f in listed if f not in files]


def write(root: Path = DATA_DIR, readme: Path = README) -> None:
    """Rewrites the hash table in the README (the section must exist)."""
    from simulator.atomic import write_text

    text = readme.read_text()
    if HEADING not in text:
        raise SystemExit(f"error: {readme}: no '{HEADING}' section")
    head, rest = text.split(HEADING, 1)
    tail = rest.split("\n## ", 1)
    intro = tail[0].split("| file |", 1)[0]
    body = f"{HEADING}{intro}{table(root)}\n"
    write_text(readme, head + body + ("\n## " + tail[1] if len(tail) > 1 else ""))


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--write"]:
        write()
        return 0
    if args:
        print("usage: python -m simulator.datahash [--write]", file=sys.stderr)
        return 2
    bad = stale()
    for f in bad:
        print(f"stale: {f}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
