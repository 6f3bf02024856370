"""What the app tells a newcomer: the question, a glossary, how to cite, where the data is from.

Plain text and small readers of the repository's own files (data/README.md, CITATION.cff), so
the About page, the landing intro and tests share one wording.

Example:
    >>> lag_phrase(-0.4)
    '0.4 years ahead of the frontier (a negative lag)'
    >>> [s.file for s in data_sources()][:2]
    ['chips.csv', 'rules.toml']
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from simulator.paths import REPO_ROOT
from simulator.vocabulary import TRANSFER_NOTE

QUESTION = (
    "How much AI capability can an actor under US export controls reach, and how far behind "
    "the frontier does it stay, if it trains its own model on the chips it can get, or "
    "distils a foreign frontier model through that model's API?")

INTRO = [
    ("The restricted actor",
     "A developer in a country under US AI-chip export controls (China, incl. Macau, in the "
     "shipped scenarios). Its chips come by channel: legal imports the rule allows, smuggled "
     "chips, domestic designs and rented cloud."),
    ("The two paths",
     "**Train from scratch** on that fleet, or **distil**: buy a frontier model's outputs "
     "through its API (full logits, top-k log-probabilities or text only) and train a student "
     "on them with the same fleet."),
    ("What the numbers mean",
     "**Lag** is how many years ago the frontier trained with the compute the actor reaches; "
     "**effective FLOP** is the from-scratch compute that would reach the same loss; **cost** "
     "is the fleet plus the API spend. Bands are 90% Monte Carlo intervals."),
    ("Measured vs assumed",
     "Chip specifications, rules and prices are sourced facts (data/). Distillation's gain is "
     "measured in small experiments run by this tool (Evidence page); that it carries over to "
     "frontier scale is an assumption (the transfer assumption), stated on every figure."),
]

GLOSSARY = {
    "Lag (years)": "How many years ago the frontier actor trained with the effective compute "
                   "the restricted actor reaches: ln(frontier compute / effective compute) / "
                   "ln(yearly growth of frontier compute x algorithmic progress). A negative "
                   "lag means the actor's effective compute exceeds the frontier's (it would be "
                   "ahead), which happens only when a scenario gives it more compute than the "
                   "frontier actor.",
    "Effective compute (effective FLOP)": "The training compute that, spent from scratch under "
                                          "the published scaling law, reaches the same loss as "
                                          "the path taken. For training from scratch it is the "
                                          "pre-training compute itself; distillation can raise "
                                          "it.",
    "Frontier": "The leading developer outside the controls (the teacher whose API is used): "
                "its training compute and how fast that grows each year.",
    "Restricted actor": "The developer under the controls, whose fleet depends on the rule.",
    "TPP": "Total processing performance, the export-control metric: 2 x MacTOPS x bit length "
           "(dense), maximised over precisions (ECCN 3A090, 88 FR 73458).",
    "Performance density": "TPP divided by the applicable die area (mm²); the 2023 rule's "
                           "second test.",
    "Rule": "A US export-control regime in force on a date (data/rules.toml), e.g. the Oct 2023 "
            "rule (3A090 revised) or the Apr 2025 H20 licence requirement.",
    "Access tier": "What the API exposes per token: the full next-token distribution (full "
                   "logits), the top-k log-probabilities, or sampled text only.",
    "MFU": "Model FLOP utilisation: the share of the chips' peak FLOP/s that training uses "
           "(0.3-0.45 is typical of large runs).",
    "Distillation regime": "Why distillation helps or not in a scenario: API tokens mixed into "
                           "pre-training are a small share of a frontier student's tokens and "
                           "buy almost nothing; the regime sentence says which case applies.",
    "Transfer assumption": TRANSFER_NOTE,
    "Monte Carlo band": "The 5th-95th (thin) and 25th-75th (thick) percentiles over draws of "
                        "the fit's bootstrap samples and the scenario's lever ranges.",
    "Oracle loss": "The loss of the exact Bayes-optimal predictor of the synthetic language the "
                   "experiments train on: a known floor no model can beat.",
}


def lag_phrase(lag_years: float | None) -> str:
    """Returns a lag in words: 'x years behind the frontier', or 'ahead' for a negative lag."""
    if lag_years is None:
        return "–"
    if round(lag_years, 1) < 0:
        return f"{-lag_years:.1f} years ahead of the frontier (a negative lag)"
    return f"{abs(lag_years):.1f} years behind the frontier"


NEGATIVE_LAG_NOTE = ("A negative lag means the actor's effective compute is above the "
                     "frontier's: in this scenario it would be ahead, not behind.")


@dataclass(frozen=True)
class DataSource:
    """One data file and what data/README.md says it is."""

    file: str
    what: str


def data_sources() -> list[DataSource]:
    """Returns each data file with its README entry's 'What' line (data/README.md order)."""
    text = (REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"^### `([^`]+)`[^\n]*\n(.*?)(?=^### |^## |\Z)", text,
                             flags=re.M | re.S):
        what = re.search(r"\*\*What\*\*:\s*(.*?)(?=\n- \*\*|\n\n|\Z)", match.group(2), re.S)
        summary = " ".join(what.group(1).split()) if what else ""
        out.append(DataSource(match.group(1), summary))
    return out


def citation() -> dict:
    """Returns {title, version, authors, text} of the software citation in CITATION.cff."""
    text = (REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")

    def field(name):
        found = re.search(rf"^{name}:\s*\"?(.*?)\"?\s*$", text, flags=re.M)
        return found.group(1) if found else ""

    authors = re.findall(r"-\s*name:\s*\"?(.*?)\"?\s*$", text, flags=re.M)
    title, version = field("title"), field("version")
    who = ", ".join(authors) or "Compute Moat contributors"
    return {"title": title, "version": version, "authors": who,
            "text": f"{who}. {title}. Version {version}. Software (MIT licence)."}


ABOUT_MENU = ("**Compute Moat** — {question}\n\nVersion {version}. Every number from the world "
              "is in data/ with its source; the About & method page has the glossary, the "
              "transfer assumption and how to cite.")


def bug_report_url(app_url: str | None) -> str:
    """Returns where 'Report a bug' leads: COMPUTE_MOAT_BUG_URL, pyproject's Issues URL, or the
    About page's section on reporting a problem (an http(s) URL, as Streamlit requires)."""
    import os
    import tomllib

    if os.environ.get("COMPUTE_MOAT_BUG_URL"):
        return os.environ["COMPUTE_MOAT_BUG_URL"]
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        urls = tomllib.load(handle).get("project", {}).get("urls", {})
    for key in ("Issues", "Bug Tracker", "Source"):
        if urls.get(key):
            return urls[key]
    from urllib.parse import urlsplit

    parts = urlsplit(app_url or "http://localhost:8501/")
    return f"{parts.scheme or 'http'}://{parts.netloc or 'localhost:8501'}/about#report-a-problem"


@functools.cache
def menu_items(app_url: str | None) -> dict:
    """Returns Streamlit's menu items: About (the question, version) and Report a bug."""
    from simulator.provenance import code_version

    return {"About": ABOUT_MENU.format(question=QUESTION, version=code_version()),
            "Report a bug": bug_report_url(app_url), "Get help": None}


REPORT_A_PROBLEM = (
    "Say what you expected and what you saw, and paste the view's link (Share, download, cite "
    "on the explorer): it reproduces the scenario and every moved lever. Add the version shown "
    "in the menu's About box. Data errors: name the file in data/ and the source that "
    "disagrees.")
