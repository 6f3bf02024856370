"""Published scaling laws (data/laws.toml): L(N, D) = E + A/N^alpha + B/D^beta with sources.

    from simulator.hardware.laws import get_law, load_laws
    get_law("besiroglu_2024")["params"]  # {"E": 1.8172, "A": 482.01, ...}
"""

from __future__ import annotations

import functools
import tomllib

from simulator.errors import InputError, choices_text
from simulator.paths import DATA_DIR

LAWS_TOML = DATA_DIR / "laws.toml"


@functools.lru_cache(maxsize=2)
def _laws(path: str) -> dict:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    laws = {}
    for name, law in doc["laws"].items():
        law = dict(law)
        # Numbers only in "params", so scratch_loss() and array code can take it as is.
        law["params_source"] = law["params"].get("source", law.get("source", ""))
        law["params"] = {k: float(v) for k, v in law["params"].items() if k != "source"}
        laws[name] = law
    return laws


def load_laws(path=None) -> dict:
    """Returns {name: law} from data/laws.toml; each law's "params" holds E, A, B, alpha, beta."""
    return {k: dict(v) for k, v in _laws(str(path or LAWS_TOML)).items()}


def get_law(name=None, path=None) -> dict:
    """Returns one published law (default: the file's ``default``); InputError lists valid names."""
    laws = load_laws(path)
    if name is None:
        with open(path or LAWS_TOML, "rb") as f:
            name = tomllib.load(f).get("default", next(iter(laws)))
    if name not in laws:
        raise InputError(f"unknown law {name!r}; valid: {choices_text(laws)}")
    return laws[name]
