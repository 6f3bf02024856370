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


@pytest.mark.parametrize("rule", ["none", "2022-10", "2023-10", "2024-12", "2025-04", "2025-08",
                                  "2026-01"])
def test_chips_table_fits_100_columns(run_cli, rule):
    code, out, _ = run_cli("chips", "--rule", rule)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "H100 SXM" in out and "15832" in out


def test_unknown_rule_exits_2_with_one_line_listing_choices(run_cli):
    code, out, err = run_cli("chips", "--rule", "1999")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "none, 2022-10, 2023-10, 2024-12, 2025-04, 2025-08, 2026-01" in err


def test_matrix_table_shows_every_chip_under_every_rule_within_100_columns(run_cli):
    code, out, err = run_cli("chips", "--matrix")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    header = next(line for line in lines if line.startswith("chip"))
    assert header.split()[3:] == ["none", "2022-10", "2023-10", "2024-12", "2025-04",
                                  "2025-08", "2026-01"]
    rows = {line[:13].rstrip(" *"): line[27:].split() for line in lines
            if line[:13].rstrip(" *") in ("A800", "H20", "H200", "L40")}
    assert rows["A800"] == ["open", "open", "DENIED", "DENIED", "DENIED", "DENIED", "DENIED"]
    assert rows["H20"] == ["open", "open", "open", "open", "licence", "case", "case"]
    assert rows["H200"] == ["open", "DENIED", "DENIED", "DENIED", "DENIED", "DENIED", "case"]
    assert rows["L40"] == ["open", "open", "NAC", "NAC", "NAC", "NAC", "NAC"]


def test_matrix_csv_has_a_status_and_a_deciding_test_per_rule(run_cli):
    from simulator.hardware import chip_names

    code, out, _ = run_cli("chips", "--matrix", "--format", "csv")
    rows = {r["chip"]: r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and set(rows) == set(chip_names())
    assert rows["MI325X"]["2026-01"] == "case_by_case"
    assert rows["MI325X"]["2026-01 decided_by"].startswith("2026 review")
    assert rows["H800"]["2022-10"] == "not_controlled"
    assert float(rows["B300"]["tpp"]) == pytest.approx(56000)


def test_matrix_json_carries_reasons_and_revenue_share(run_cli):
    code, out, _ = run_cli("chips", "--matrix", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["rules"][-1] == "2026-01"
    h20 = next(c for c in doc["chips"] if c["chip"] == "H20")
    cell = h20["rules"]["2025-08"]
    assert cell["status"] == "case_by_case" and cell["revenue_share"] == pytest.approx(0.15)
    assert cell["decided_by"].startswith("H20 licences")


def test_matrix_with_a_rule_is_bad_input(run_cli):
    code, out, err = run_cli("chips", "--matrix", "--rule", "2026-01")
    assert code == 2 and out == ""
    assert err.startswith("error: --matrix shows every rule") and err.count("\n") == 1


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
    (("--chip", "H100", "--count", "8", "--days", "1", "--mfu", ".4", "--precision", "fp2"),
     "valid: fp32, tf32, bf16, fp8, int8, fp4"),
    (("--chip", "H100", "--count", "8", "--days", "1", "--mfu", ".4", "--precision", "fp4"),
     "H100 SXM has no published fp4 figure; valid for it: fp32, tf32, bf16, fp8, int8"),
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
