"""The curated data in data/: every number sourced, the README's hashes current."""

import re

import pandas as pd
import pytest

from simulator.hardware import get_rule, load_chips, rule_ids
from simulator.hardware.api_prices import load_api_prices
from simulator.hardware.frontier_models import load_frontier_models
from simulator.hardware.laws import get_law, load_laws
from simulator.datahash import data_files, listed_hashes, stale, write
from simulator.paths import DATA_DIR
from simulator.provenance import sha256_file


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


def test_every_frontier_figure_says_how_sure_it_is():
    df = load_frontier_models()
    with_compute = df[df["training_compute_flop"].notna()]
    assert set(with_compute["compute_status"]) <= {"confirmed", "estimated", "speculative"}
    assert df["verified"].notna().all()
    unverified = df[~df["verified"].astype(bool)]
    assert unverified["notes"].str.contains("UNVERIFIED").all()
    assert not with_compute.loc[with_compute["compute_status"] == "speculative",
                                "verified"].any()


def test_frontier_series_reaches_2026_with_estimated_chinese_runs():
    df = load_frontier_models().set_index("model")
    assert df["release_date"].max() >= pd.Timestamp("2026-04-01")
    assert df.loc["GLM-5", "training_compute_flop"] == pytest.approx(6.84e24)
    assert df.loc["GLM-5", "hardware"] == "Ascend 910C"
    assert df.loc["Kimi K2.5", "training_compute_flop"] == pytest.approx(5.8e24)
    assert df.loc["DeepSeek-V4-Flash", "training_compute_flop"] == pytest.approx(2.496e24)


def test_claude_3_5_sonnet_is_flagged_as_conflicting():
    row = load_frontier_models().set_index("model").loc["Claude 3.5 Sonnet"]
    assert not row["verified"] and row["compute_status"] == "speculative"
    assert "4.98e25" in row["notes"] and "2.7e25" in row["notes"]


def test_api_prices_cite_sources_for_prices_and_exposure():
    df = load_api_prices()
    assert df["price_source"].str.contains("http").all()
    assert (df["input_usd_per_mtok"] > 0).all() and (df["output_usd_per_mtok"] > 0).all()
    for row in df.to_dict(orient="records"):
        assert _filled(row["logprobs_source"]), row["model"]
        assert row["reasoning_visible"] in {"none", "summary", "raw", "not_applicable"}
        if row["reasoning_visible"] != "not_applicable":
            assert _filled(row["reasoning_source"]), row["model"]


def test_every_api_row_says_whether_and_how_many_logprobs():
    df = load_api_prices()
    assert df["logprobs"].notna().all() and df["max_top_logprobs"].notna().all()
    for row in df.to_dict(orient="records"):
        if row["logprobs"]:
            assert 1 <= row["max_top_logprobs"] <= 20, row["model"]
        else:
            assert row["max_top_logprobs"] == 0, row["model"]


def test_current_api_models_cover_each_provider():
    df = load_api_prices()
    current = df[df["current"].astype(bool)]
    assert set(current["provider"]) == {"OpenAI", "Anthropic", "Google", "DeepSeek"}
    assert current["observed"].astype(str).str[:4].astype(int).min() >= 2026
    by_model = current.set_index("model")
    assert not by_model.loc["gpt-5.5", "logprobs"]  # reasoning models return none
    assert by_model.loc["deepseek-v4-flash", "logprobs"]
    assert by_model.loc["deepseek-v4-flash", "reasoning_visible"] == "raw"
    assert by_model.loc["deepseek-v4-flash", "input_usd_per_mtok"] == pytest.approx(0.14)


def test_gemini_2_5_pro_refuses_logprobs_on_the_gemini_api():
    row = load_api_prices().set_index("model").loc["gemini-2.5-pro"]
    assert not row["logprobs"] and row["max_top_logprobs"] == 0


def test_readme_cites_sources_not_project_notes():
    readme = (DATA_DIR / "README.md").read_text()
    assert "shared/" not in readme and "reference notes" not in readme


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


def test_readme_lists_the_sha256_of_every_data_file():
    listed = listed_hashes()
    files = data_files()
    assert {"chips.csv", "rules.toml", "fits/default.json",
            "experiments/default/results.csv"} <= set(files)
    assert sorted(listed) == files
    for name in files:
        assert listed[name] == sha256_file(DATA_DIR / name), f"stale SHA-256 for data/{name}"


def test_the_readme_lists_each_hash_in_one_place_only():
    readme = (DATA_DIR / "README.md").read_text()
    body = readme.split("## SHA-256 of every data file", 1)[0]
    assert not re.search(r"SHA-256: `[0-9a-f]{64}`", body), \
        "a section repeats a hash; the table at the end is the one list (python -m simulator.datahash --write)"


def test_datahash_finds_a_stale_file(tmp_path):
    (tmp_path / "a.csv").write_text("x\n")
    (tmp_path / "runs").mkdir()
    (tmp_path / ".gitignore").write_text("runs/\n")
    (tmp_path / "runs" / "scratch.csv").write_text("ignored\n")
    readme = tmp_path / "README.md"
    readme.write_text("# d\n\n## SHA-256 of every data file\n\n| file | SHA-256 |\n|---|---|\n")
    assert data_files(tmp_path) == ["a.csv"]
    assert stale(tmp_path, readme) == ["a.csv"]
    write(tmp_path, readme)
    assert stale(tmp_path, readme) == []
    (tmp_path / "a.csv").write_text("changed\n")
    assert stale(tmp_path, readme) == ["a.csv"]
