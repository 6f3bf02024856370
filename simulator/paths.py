"""Where the shipped data lives."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
SCENARIOS_DIR = REPO_ROOT / "scenarios"
DEFAULT_FIT = DATA_DIR / "fits" / "default.json"
DEFAULT_EXPERIMENTS = DATA_DIR / "experiments" / "default"
