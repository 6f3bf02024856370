"""Atomic file writes: a temp file in the same folder, then os.replace.

A reader never sees a half-written file, and a crash leaves the old file intact.
"""

import json
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes) -> Path:
    """Returns the path after writing ``data`` to it atomically."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder; give a file name", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600 files; give the result the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename is None:
            # a failed write (a full disk) names no file: name the one being written
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return path


def write_text(path, text: str) -> Path:
    """Returns the path after writing ``text`` (UTF-8) to it atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, obj, indent: int = 2) -> Path:
    """Returns the path after writing ``obj`` as sorted, indented JSON atomically."""
    return write_text(path, json.dumps(obj, indent=indent, sort_keys=True, allow_nan=False) + "\n")
