"""Provenance: what produced a file (code version, packages, machine, date, input hashes)."""

import datetime as _dt
import functools
import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from simulator import __version__
from simulator.paths import REPO_ROOT

PACKAGES = ("numpy", "pandas", "scipy", "torch", "matplotlib", "pydantic", "streamlit")


def sha256_file(path) -> str:
    """Returns the hex SHA-256 of a file's bytes, hashed once per version of the file (cached
    on its resolved path, inode, size and modification time: an edited or replaced file is
    hashed again)."""
    p = os.path.realpath(path)
    st = os.stat(p)
    return _sha256_file(p, st.st_ino, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _sha256_file(path: str, inode: int, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Returns the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def code_version() -> str:
    """Returns the package version plus the git commit (and '-dirty') when in a checkout."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=5,
        )
        if out.returncode == 0 and out.stdout.strip():
            return f"{__version__}+{out.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def package_versions(names=PACKAGES) -> dict:
    """Returns {package: version or None} for the packages that shape results."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine() -> dict:
    """Returns a short description of the machine."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }


def now_utc() -> str:
    """Returns the current UTC time as ISO 8601 (seconds), or SOURCE_DATE_EPOCH's when set.

    SOURCE_DATE_EPOCH (seconds since 1970, https://reproducible-builds.org/specs/source-date-epoch/)
    pins every date a report prints, so two runs of the same command give identical bytes.
    A value that is not a whole number of seconds is ignored.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def provenance(inputs: dict | None = None) -> dict:
    """Returns a provenance record; ``inputs`` maps a label to a file path to hash."""
    record = {
        "code_version": code_version(),
        "packages": package_versions(),
        "machine": machine(),
        "date": now_utc(),
    }
    if inputs:
        record["inputs"] = {
            label: {"path": str(Path(p).as_posix()), "sha256": sha256_file(p)}
            for label, p in inputs.items()
        }
    return record
