"""What the app may touch on the server: uploads and the shipped evidence, nothing else.

A hosted app must not read or write folders named by a visitor (``?source=folder&dir=/etc``).
Reading a results folder by path is a local-only convenience, off unless the person running
the app turns it on:

    COMPUTE_MOAT_LOCAL_FOLDERS=1 make run      # your own machine only

Messages shown to a visitor name an upload by its file name, never by the server's temporary
path.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_FOLDERS_ENV = "COMPUTE_MOAT_LOCAL_FOLDERS"


def local_folders_allowed(environ=None) -> bool:
    """Returns whether the app may read results folders by path (env setting, off by default)."""
    value = (environ if environ is not None else os.environ).get(LOCAL_FOLDERS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def redact(text: str, private_dir, label: str = "(app folder)") -> str:
    """Returns text with the server's private folder left out of paths under it (and shown as
    label where it stands alone): '/tmp/compute-moat-app-x/upload/results.csv' becomes
    'upload/results.csv'."""
    text = str(text)
    if private_dir is None:
        return text
    for form in sorted({str(Path(private_dir)), str(Path(private_dir).resolve())}, key=len,
                       reverse=True):
        text = text.replace(form + os.sep, "").replace(form, label)
    return text
