"""The shipped fit card (data/fits/default.json): valid, honest, and reproducible from its runs."""

import copy

import numpy as np
import pytest

from simulator.curves.card import load_card
from simulator.curves.fit_runs import fit_runs, fit_scratch_section, read_results
from simulator.paths import DEFAULT_EXPERIMENTS, DEFAULT_FIT
from simulator.provenance import sha256_file

from nested import assert_nested_close, mismatches

RESULTS = DEFAULT_EXPERIMENTS / "results.csv"
needs_card = pytest.mark.skipif(not DEFAULT_FIT.exists(), reason="no shipped fit card yet")
needs_both = pytest.mark.skipif(not (DEFAULT_FIT.exists() and RESULTS.exists()),
                                reason="no shipped fit card or default sweep yet")


@pytest.fixture(scope="module")
def card():
    return load_card(DEFAULT_FIT)


@needs_card
def test_shipped_card_scratch_law_predicts_its_heldout_runs_within_3_percent(card):
    assert card["scratch"]["heldout"]["relative_error_loss"] <= 0.03


@needs_card
def test_shipped_card_shows_what_its_scratch_law_leaves_out(card):
    s = card["scratch"]
    if s["excluded_cells"]:  # early-training cells: listed with residuals, checked both ways
        assert all(c["steps"] < s["min_steps"] for c in s["excluded_cells"])
        assert s["heldout"]["all_cells_relative_error_loss"] is not None
        assert s["n_cells"] + len(s["excluded_cells"]) <= s["n_runs"]


@needs_card
def test_shipped_card_reports_its_heldout_errors_and_warnings(card):
    held = card["scratch"]["heldout"]
    assert held["n_heldout"] >= 1 and held["relative_error_loss"] is not None
    assert card["scratch"]["converged"]
    assert card["settings"]["n_bootstrap"] >= 1000
    # a bad number is flagged in the card, not hidden; a good one raises no false alarm
    flagged = any("held-out" in w for w in card["warnings"])
    assert flagged == (held["relative_error_loss"] > 0.03)


@needs_both
def test_shipped_card_was_fitted_on_the_shipped_results(card):
    assert card["provenance"]["results_sha256"] == sha256_file(RESULTS)


@needs_both
def test_refitting_the_shipped_results_reproduces_the_scratch_section(card):
    df = read_results(RESULTS)
    settings = card["settings"]
    frac = df["teacher_token_fraction"]
    runs = df[(df["mode"] == "scratch") & (frac.isna() | (frac == 0))]
    rng = np.random.default_rng(settings["random_state"])
    _, _, section = fit_scratch_section(runs, float(df["oracle_loss"].median()), rng,
                                        settings["n_bootstrap"], settings["random_state"], [],
                                        settings["scratch_min_steps"])
    assert_nested_close(section, card["scratch"], rel=1e-6)


@needs_both
@pytest.mark.slow
def test_refitting_the_shipped_results_reproduces_the_whole_card(card):
    settings = card["settings"]
    again = fit_runs(read_results(RESULTS), n_bootstrap=settings["n_bootstrap"],
                     random_state=settings["random_state"],
                     results_sha256=card["provenance"]["results_sha256"],
                     min_steps=settings["scratch_min_steps"])
    shipped = copy.deepcopy(card)
    shipped.pop("provenance"), again.pop("provenance")
    assert_nested_close(again, shipped, rel=1e-6)


@needs_card
def test_shipped_token_limited_gain_starts_at_scratch_and_never_falls():
    from simulator.curves.token_limited import token_limited_gain
    card = load_card(DEFAULT_FIT)
    fractions = np.array([0.0, 0.01, 0.03, 0.1, 0.3, 1.0])
    for mode, teachers in card["token_limited"]["modes"].items():
        for teacher in teachers:
            gain = np.asarray(token_limited_gain(card, mode, fractions, teacher=teacher))
            assert gain[0] == pytest.approx(1.0)  # a 0% teacher budget is scratch training
            assert np.all(np.diff(gain) >= 0), (mode, teacher)


@needs_card
def test_shipped_full_logit_gain_is_at_least_the_text_only_gain_at_every_fraction():
    from simulator.curves.token_limited import token_limited_gain
    card = load_card(DEFAULT_FIT)
    fractions = np.array([0.01, 0.03, 0.1, 0.3, 1.0])
    logits = np.asarray(token_limited_gain(card, "logits", fractions, teacher="model"))
    text = np.asarray(token_limited_gain(card, "text", fractions, teacher="model"))
    assert np.all(logits >= text)


def test_the_card_comparison_tolerates_last_digit_noise_but_not_a_real_change():
    shipped = {"alpha": 0.03994362, "n": 17, "form": "E + A/N^alpha", "xs": [1.0, 2.5e-3]}
    assert not mismatches({"alpha": 0.03994363, "n": 17, "form": "E + A/N^alpha",
                           "xs": [1.0, 2.5e-3]}, shipped)
    assert mismatches({**shipped, "alpha": 0.0400}, shipped)
    assert mismatches({**shipped, "n": 18}, shipped)
    assert mismatches({**shipped, "xs": [1.0]}, shipped)
    assert mismatches({**shipped, "extra": 1}, shipped)
