"""Where a report goes: a staging folder beside DIR, a manifest, and an atomic swap into DIR.

A report never removes what it did not write. DIR must be missing, empty, or a previous report
that this tool recognises by its manifest (``.compute-moat-report.json``, listing every file it
wrote) and that holds nothing else. The whole new report is built in a staging folder beside DIR
(``.report-staging-<name>-<pid>-<random>``), then swapped in: on Linux with one atomic
``renameat2(RENAME_EXCHANGE)``, elsewhere with two renames (old DIR aside, staging into place),
so a reader sees either the old report or the new one, never a mix. Staging and old folders
left by a killed run (their process is gone) are removed by the next run.

    staging = begin(out_dir)          # InputError (exit 2) if DIR is not ours to replace
    ... write the report into staging ...
    write_manifest(staging, scenarios)
    install(staging, out_dir)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath

from simulator import atomic
from simulator.errors import InputError
from simulator.provenance import sha256_file

MANIFEST = ".compute-moat-report.json"
FORMAT = "compute-moat-report"
STAGING_PREFIX = ".report-staging-"
OLD_PREFIX = ".report-old-"


def _files(folder: Path) -> list[str]:
    """Returns the relative paths of every file and link under folder, sorted."""
    out = []
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_dir():
            out.append(path.relative_to(folder).as_posix())
    return sorted(out)


def _entries(folder: Path) -> list[str]:
    """Returns the relative paths of everything under folder, folders included, sorted."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


def read_manifest(folder: Path) -> dict | None:
    """Returns the report manifest of folder, or None when it has none (or not a valid one)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    files = data.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) for k in files):
        return None
    return data


def write_manifest(staging: Path, scenarios) -> dict:
    """Returns the manifest after writing it: every file of the staged report with its SHA-256."""
    files = {name: sha256_file(staging / name) for name in _files(staging) if name != MANIFEST}
    data = {"format": FORMAT, "version": 1, "scenarios": list(scenarios), "files": files}
    atomic.write_json(staging / MANIFEST, data)
    return data


def check_out_dir(out_dir: Path) -> None:
    """Raises InputError unless DIR may receive a report: missing, empty, or only our report."""
    out_dir = Path(out_dir)
    if not out_dir.exists():
        if out_dir.is_symlink():
            raise InputError(f"--out {out_dir}: is a broken symbolic link")
        return
    if not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: is a file, not a folder")
    if out_dir.is_symlink():
        raise InputError(f"--out {out_dir}: is a symbolic link; give the folder itself")
    try:
        entries = list(out_dir.iterdir())
    except OSError as exc:
        raise InputError(f"--out {out_dir}: cannot list the folder ({exc.strerror})") from None
    if not entries:
        return
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise InputError(f"--out {out_dir}: folder is not empty and is not a report written by "
                         f"this tool (no {MANIFEST}); nothing was changed. Give a new or empty "
                         "folder, or remove its contents yourself")
    ours = set(manifest["files"]) | {MANIFEST}
    ours |= {parent.as_posix() for name in ours for parent in PurePosixPath(name).parents}
    foreign = [name for name in _entries(out_dir) if name not in ours]
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise InputError(f"--out {out_dir}: holds files the previous report did not write "
                         f"({', '.join(foreign[:3])}{more}); replacing the report would delete "
                         "them, so nothing was changed. Move them out or give another folder")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out_dir: Path) -> list[Path]:
    """Returns the leftovers removed: staging/old folders of DIR whose process has died."""
    out_dir = Path(out_dir)
    parent = out_dir.parent
    removed = []
    for prefix in (STAGING_PREFIX, OLD_PREFIX):
        # exactly <prefix><DIR name>-<pid>-<mkdtemp suffix>: never another DIR's folders
        pattern = re.compile(re.escape(f"{prefix}{out_dir.name}-") + r"(\d+)-[A-Za-z0-9_]+")
        for path in parent.glob(f"{prefix}{out_dir.name}-*"):
            m = pattern.fullmatch(path.name)
            if m and path.is_dir() and not path.is_symlink() and not _alive(int(m.group(1))):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    # Staging folders that older versions made inside DIR itself
    if out_dir.is_dir() and not out_dir.is_symlink():
        for path in out_dir.glob(f"{STAGING_PREFIX}*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def begin(out_dir: Path) -> Path:
    """Returns a fresh staging folder beside DIR after checking DIR and removing stale ones."""
    out_dir = Path(out_dir).absolute()
    clean_stale(out_dir)
    check_out_dir(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{out_dir.name}-{os.getpid()}-",
                                     dir=out_dir.parent))
    except NotADirectoryError:
        raise InputError(f"--out {out_dir}: a parent of the folder is a file") from None
    except OSError as exc:
        raise InputError(f"--out {out_dir}: cannot create a folder beside it "
                         f"({exc.strerror})") from None


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two paths atomically (Linux renameat2); returns False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def install(staging: Path, out_dir: Path) -> None:
    """Puts the complete staged report at DIR, replacing the previous report in one step."""
    out_dir = Path(out_dir).absolute()
    check_out_dir(out_dir)  # again: DIR may have changed while the report was being built
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old report
        return
    old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{out_dir.name}-{os.getpid()}-",
                                dir=out_dir.parent))
    os.replace(out_dir, old / "report")
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
