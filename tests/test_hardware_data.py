"""The curated data in data/: every number sourced, the README's hashes current."""

import re

import pandas as pd
import pytest

from simulator.hardware import get_rule, load_chips, rule_ids
from simulator.hardware.datasets import get_law, load_api_prices, load_frontier_models, load_laws
from simulator.paths import DATA_DIR
from simulator.provenance import sha256_file

OWNED_FILES = ["chips.csv", "rules.toml", "frontier_models.csv", "api_prices.csv", "laws.toml"]


def _filled(value) -> bool:
    return not (value is None or (isinstance(value, float) and pd.isna(value)) or value == "")


def test_every_chip_row_cites_sources_for_specs_price_and_rental():
    for row in load_chips().to_dict(orient="records"):
        assert "http" in row["sources"], row["chip"]
        if _filled(row["price_usd"]):
            assert row["price_source"], row["chip"]
        if _filled(row["rental_usd_per_hour"]):
            assert row["rental_source"], row["chip"]
        if row["price_estimate"] or row["rental_estimate"] or row["spec_estimate"]:
            assert row["estimate_notes"], row["chip"]


def test_assumed_prices_are_flagged_as_estimates():
    df = load_chips()
    assumed = df[df["price_source"].str.contains("ASSUMPTION")]
    assert len(assumed) and assumed["price_estimate"].all()


def test_every_rule_threshold_has_a_source():
    for rule_id in rule_ids():
        rule = get_rule(rule_id)
        if rule.controls:
            assert rule.sources
        for test in rule.controls + rule.reviews:
            assert test.source and all(c.source for c in test.conditions)


def test_frontier_models_cite_sources_and_flag_estimates():
    df = load_frontier_models()
    assert df["sources"].str.contains("http").all()
    with_compute = df[df["training_compute_flop"].notna()]
    assert with_compute["compute_estimate"].notna().all()
    assert len(df[df["kind"] == "pretrain"]) >= 10


def test_api_prices_cite_sources_for_prices_and_exposure():
    df = load_api_prices()
    assert df["price_source"].str.contains("http").all()
    assert (df["input_usd_per_mtok"] > 0).all() and (df["output_usd_per_mtok"] > 0).all()
    for row in df.to_dict(orient="records"):
        if not pd.isna(row["logprobs"]):
            assert _filled(row["logprobs_source"]), row["model"]
        assert row["reasoning_visible"] in {"none", "summary", "raw", "not_applicable"}
        if row["reasoning_visible"] != "not_applicable":
            assert _filled(row["reasoning_source"]), row["model"]


def test_laws_have_sourced_params_and_intervals_that_contain_them():
    laws = load_laws()
    assert {"hoffmann_2022", "besiroglu_2024"} <= set(laws)
    for law in laws.values():
        assert set(law["params"]) == {"E", "A", "B", "alpha", "beta"}
        assert law["params_source"]
    besiroglu = get_law("besiroglu_2024")
    for name, (lo, hi) in ((k, v) for k, v in besiroglu["intervals"].items()
                           if isinstance(v, list)):
        assert lo <= besiroglu["params"][name] <= hi
    assert get_law()["params"] == besiroglu["params"]  # the default


@pytest.mark.parametrize("name", OWNED_FILES)
def test_readme_lists_the_current_sha256_of_each_file(name):
    readme = (DATA_DIR / "README.md").read_text()
    section = readme.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
    listed = re.search(r"SHA-256: `([0-9a-f]{64})`", section).group(1)
    assert listed == sha256_file(DATA_DIR / name)
