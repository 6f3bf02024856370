"""What every report reads besides its scenarios: the shipped data files (hashed into each
report's provenance) and the Monte Carlo draws per point of the capability curves."""

from __future__ import annotations

from simulator.paths import DATA_DIR, REPO_ROOT
from simulator.provenance import sha256_file

DATA_FILES = ("chips.csv", "rules.toml", "laws.toml", "distillation_priors.toml",
              "fits/capability.json",
              "serving.toml", "serving_benchmarks.toml")
CURVE_DRAWS = 200  # Monte Carlo draws per point of the capability curves


def data_inputs() -> dict:
    """Returns {repo-relative path: sha256} of the shipped data files the model reads."""
    out = {}
    for name in DATA_FILES:
        path = DATA_DIR / name
        if path.is_file():
            out[path.relative_to(REPO_ROOT).as_posix()] = sha256_file(path)
    return out
