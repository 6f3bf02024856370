"""python -m simulator chips / accounting: formats, errors, help."""

import csv
import io
import json

import pytest


def test_chips_csv_has_contract_columns(run_cli):
    code, out, err = run_cli("chips", "--format", "csv")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"chip", "tpp", "performance_density", "controlled", "status", "reason"} <= set(rows[0])
    assert len(rows) >= 16


def test_chips_csv_under_2022_shows_the_a800_uncontrolled(run_cli):
    _, out, _ = run_cli("chips", "--rule", "2022-10", "--format", "csv")
    rows = {r["chip"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["A800"]["controlled"] == "False"
    assert rows["A100"]["controlled"] == "True"
    assert float(rows["H100 SXM"]["tpp"]) == pytest.approx(15832)


def test_chips_json_is_a_list_of_records(run_cli):
    code, out, _ = run_cli("chips", "--rule", "2025-04", "--format", "json")
    records = {r["chip"]: r for r in json.loads(out)}
    assert code == 0
    assert records["H20"]["status"] == "licence_required"
    assert records["H20"]["import_allowed"] is False
    assert records["Ascend 910B"]["performance_density"] is None


@pytest.mark.parametrize("rule", ["none", "2022-10", "2023-10", "2025-04", "2026-01"])
def test_chips_table_fits_100_columns(run_cli, rule):
    code, out, _ = run_cli("chips", "--rule", rule)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "H100 SXM" in out and "15832" in out


def test_unknown_rule_exits_2_with_one_line_listing_choices(run_cli):
    code, out, err = run_cli("chips", "--rule", "1999")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "none, 2022-10, 2023-10, 2025-04, 2026-01" in err


def test_accounting_forward_json(run_cli):
    code, out, _ = run_cli("accounting", "--chip", "h100", "--count", "16384", "--days", "54",
                           "--mfu", "0.4", "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["mode"] == "forward"
    assert result["chip_hours"] == pytest.approx(16384 * 54 * 24)
    assert result["flop"] == pytest.approx(16384 * 54 * 86400 * 989.5e12 * 0.4)
    assert result["capital_cost_usd"] == pytest.approx(16384 * 33600)


def test_accounting_inverse_gives_chips_needed(run_cli):
    code, out, _ = run_cli("accounting", "--chip", "H100", "--flop", "3.8e25", "--days", "90",
                           "--mfu", "0.4", "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["mode"] == "chips_needed"
    assert result["flop"] >= 3.8e25 and result["count"] == 12347


def test_accounting_implied_mfu_for_deepseek_v3(run_cli):
    code, out, _ = run_cli("accounting", "--chip", "H800", "--flop", "3.41e24",
                           "--chip-hours", "2.788e6", "--precision", "fp8", "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["mode"] == "implied_mfu"
    assert 0.15 < result["mfu"] < 0.30
    assert result["rental_cost_usd"] == pytest.approx(5.576e6)


def test_accounting_table_is_readable(run_cli):
    code, out, _ = run_cli("accounting", "--chip", "H20", "--count", "1000", "--days", "30",
                           "--mfu", "0.3")
    assert code == 0
    assert "FLOP" in out and "chip-hours" in out and "rental cost (USD)" in out


@pytest.mark.parametrize("args, expected", [
    (("--chip", "H900", "--count", "8", "--days", "1", "--mfu", "0.4"), "valid: V100, A100"),
    (("--chip", "H100", "--count", "-8", "--days", "1", "--mfu", "0.4"), "count must be"),
    (("--chip", "H100", "--count", "8", "--days", "1", "--mfu", "1.5"), "mfu must be in (0, 1]"),
    (("--chip", "H100", "--count", "8", "--days", "1", "--mfu", "0"), "mfu must be in (0, 1]"),
    (("--chip", "H100", "--count", "8", "--days", "1"), "--mfu is required"),
    (("--chip", "H100", "--count", "8", "--days", "1", "--mfu", ".4", "--precision", "fp4"),
     "valid: fp32, tf32, bf16, fp8, int8"),
    (("--chip", "H100", "--count", "8", "--days", "-1", "--mfu", "0.4"), "days must be"),
    (("--chip", "H100", "--flop", "1e25", "--mfu", "0.4"), "not a calculation"),
    (("--chip", "H100", "--count", "eight", "--days", "1", "--mfu", "0.4"), "invalid float"),
])
def test_accounting_bad_input_exits_2_with_one_line(run_cli, args, expected):
    code, out, err = run_cli("accounting", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err


def _subparser(name):
    from simulator.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices[name]


@pytest.mark.parametrize("command, flags", [
    ("chips", {"--rule", "--format"}),
    ("accounting", {"--chip", "--count", "--days", "--chip-hours", "--mfu", "--precision",
                    "--flop", "--format"}),
])
def test_help_explains_every_flag(run_cli, command, flags):
    documented = {opt: a.help for a in _subparser(command)._actions for opt in a.option_strings}
    assert flags <= set(documented)
    assert all(len(documented[f]) > 20 for f in flags)
    code, out, _ = run_cli(command, "--help")
    assert code == 0 and all(f in out for f in flags)
