"""Startup: the command line's help loads no numpy, pydantic or pandas; `run` loads no pandas."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pandas", "pydantic", "matplotlib", "torch", "scipy")

_LOADED_AFTER = """
import contextlib, io, sys
from simulator.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(" ".join(m for m in {heavy!r} if m in sys.modules))
"""


def _heavy_modules_after(*args) -> set:
    out = subprocess.run([sys.executable, "-c", _LOADED_AFTER.format(heavy=HEAVY), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_help_loads_no_numpy_pydantic_or_pandas():
    assert _heavy_modules_after("--help") == set()


def test_run_reads_the_chip_catalogue_without_pandas():
    loaded = _heavy_modules_after("run", "scenarios/h20-requirement-2025-central.toml")
    assert "numpy" in loaded and "pydantic" in loaded   # the model itself
    assert not loaded & {"pandas", "matplotlib", "torch"}
