"""The serving roofline reproduces published measurements within each row's stated band, and
the CLI exposes it."""

import json

import pytest

from simulator.cli import main
from simulator.serving.validation import load_measurements, validate

CHECKS = {c.id: c for c in validate()}


@pytest.mark.parametrize("measurement_id", sorted(CHECKS))
def test_roofline_over_published_lies_in_the_stated_band(measurement_id):
    check = CHECKS[measurement_id]
    assert check.ratio_min <= check.ratio <= check.ratio_max, (
        f"{measurement_id}: ours {check.predicted_tokens_per_s:,.0f} vs published "
        f"{check.published_tokens_per_s:,.0f} tokens/s (ratio {check.ratio:.2f})")


def test_every_measurement_cites_a_primary_source():
    for row in load_measurements():
        assert row["source"].count("https://") >= 1
        assert "NVIDIA/TensorRT-LLM" in row["source"] or "deepseek-ai" in row["source"]


def test_the_roofline_is_optimistic_where_compute_binds_and_in_production_decode():
    compute_bound = [c for c in CHECKS.values() if c.kind == "offline" and c.bound == "compute"]
    assert compute_bound and all(c.ratio > 0.9 for c in compute_bound)
    assert CHECKS["deepseek-v3r1-h800-decode"].ratio > 2  # production decode: far below roofline


def test_cli_serving_json_has_the_contract_keys(capsys):
    code = main(["serving", "--chip", "H20", "--params", "7e10", "--precision", "fp8",
                 "--batch", "1", "--context", "4096", "--count", "1000", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("decode_tokens_per_s", "prefill_tokens_per_s", "bound", "chips_per_replica",
                "cost_usd_per_mtok", "fleet_users", "fleet_decode_tokens_per_s"):
        assert key in out
    assert out["bound"] == "memory" and out["chips_per_replica"] == 1
    assert out["decode_tokens_per_s"] == pytest.approx(
        4000e9 * 0.9 / (70e9 + out["kv_cache_gb"] * 1e9), rel=1e-6)


@pytest.mark.parametrize("argv, message", [
    (["--chip", "H2O", "--params", "7e10"], "unknown chip"),
    (["--chip", "H20", "--params", "-5"], "params"),
    (["--chip", "H20", "--params", "inf"], "finite"),
    (["--chip", "L20", "--params", "1e14"], "does not fit"),
    (["--chip", "H20"], "--params"),
])
def test_cli_serving_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(["serving", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_serving_validate_prints_every_measurement(capsys):
    assert main(["serving", "--validate", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(CHECKS) and all(r["within"] for r in rows)
