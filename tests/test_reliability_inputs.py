"""Bad input is a one-line error with exit 2, naming the file and every problem; never a
traceback, never exit 1, never a silently converted or dropped value."""

import errno
import json
from pathlib import Path

import pytest

from simulator import atomic
from simulator.cli import main
from simulator.errors import InputError
from simulator.scenario import load_scenario
from simulator.scenario.loading import parse_override, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "h200-case-by-case-2026-central.toml"
CHINCHILLA = ROOT / "tests" / "data" / "chinchilla_fig4_epoch.csv"


def _one_line_error(capsys, code, expected_code=2) -> str:
    assert code == expected_code
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def _scenario_with(tmp_path, old: str, new: str) -> Path:
    text = SCENARIO.read_text()
    assert old in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, new, 1))
    return path


# --------------------------------------------------------------------------- 8: strict types

@pytest.mark.parametrize("value", ["true", "false", '"50000"', '"5e4"'])
def test_a_chip_count_must_be_a_number_not_a_bool_or_string(tmp_path, capsys, value):
    path = _scenario_with(tmp_path, "count = 50000", f"count = {value}")
    err = _one_line_error(capsys, main(["run", str(path)]))
    assert "actor.chips.0.count" in err and "s.toml" in err


def test_a_quoted_mfu_is_refused_not_converted(capsys):
    err = _one_line_error(capsys, main(["run", str(SCENARIO), "--set", 'actor.mfu="0.17"']))
    assert "actor.mfu" in err and "'0.17'" in err


def test_whole_numbers_are_still_fine_for_real_valued_fields():
    s = load_scenario(SCENARIO, ["actor.training_days=90", "actor.chips.0.count=5000"])
    assert isinstance(s.actor.chips[0].count, float)
    assert s.actor.chips[0].count == pytest.approx(5000.0)
    assert s.actor.training_days == pytest.approx(90.0)


@pytest.mark.parametrize("text", ["actor.mfu=0.3\n[actor]", "actor.mfu=0.3\nx = 1",
                                  "actor.mfu=0.3\n[[actor.chips]]\nchip='H100'"])
def test_set_refuses_input_after_the_value(text):
    with pytest.raises(InputError, match="after the value"):
        parse_override(text)


def test_set_still_takes_a_value_with_a_comment():
    assert parse_override("actor.mfu = 0.3  # tuned")[1] == pytest.approx(0.3)


# --------------------------------------------------------------------------- 10: all problems

def test_every_schema_problem_is_listed_not_only_the_first(tmp_path):
    data = __import__("tomllib").loads(SCENARIO.read_text())
    data["actor"]["mfu"] = 7
    data["year"] = 1900
    data["bogus"] = 1
    data["actor"]["chips"][0]["count"] = True
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, "x.toml")
    msg = str(info.value)
    assert "(4 problems)" in msg and "\n" not in msg
    for field in ("actor.mfu", "year", "bogus", "actor.chips.0.count"):
        assert field in msg


def test_every_reference_problem_is_listed(tmp_path):
    data = __import__("tomllib").loads(SCENARIO.read_text())
    data["rule"] = "no-such-rule"
    data["law"] = "no-such-law"
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, "x.toml")
    assert "rule:" in str(info.value) and "law:" in str(info.value)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SCENARIO.read_bytes())
    assert load_scenario(path).name == load_scenario(SCENARIO).name


def test_a_scenario_that_is_not_utf8_names_the_byte(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes(SCENARIO.read_bytes().replace(b"central", "c\xe9ntral".encode("latin-1")))
    err = _one_line_error(capsys, main(["run", str(path)]))
    assert "not UTF-8" in err


# --------------------------------------------------------------------------- 7: exit codes

def test_a_2000_deep_toml_array_is_bad_input(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 2000 + "]" * 2000 + "\n")
    err = _one_line_error(capsys, main(["run", str(path)]))
    assert "nested too deeply" in err and "deep.toml" in err


def test_a_deep_toml_upload_in_the_app_is_an_input_error():
    from simulator.app.catalogue import scenario_from_text

    with pytest.raises(InputError, match="nested too deeply"):
        scenario_from_text("x = " + "[" * 2000 + "]" * 2000, "upload.toml")


@pytest.mark.parametrize("card", [[], {"schema_version": 1, "scratch": []},
                                  {"schema_version": 1, "scratch": {"params": 3}},
                                  "just a string"])
def test_a_fit_card_of_the_wrong_shape_is_bad_input(tmp_path, capsys, card):
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    err = _one_line_error(capsys, main(["run", str(SCENARIO), "--fit", str(path)]))
    assert "card.json" in err


@pytest.mark.parametrize("data", [b"\xff\xfe\x00binary", b"[" * 100000, b""])
def test_an_unreadable_fit_card_is_bad_input(tmp_path, capsys, data):
    path = tmp_path / "card.json"
    path.write_bytes(data)
    err = _one_line_error(capsys, main(["run", str(SCENARIO), "--fit", str(path)]))
    assert "card.json" in err and "not valid JSON" in err


def test_fit_loss_given_a_folder_is_bad_input(tmp_path, capsys):
    err = _one_line_error(capsys, main(["fit-loss", "--csv", str(tmp_path)]))
    assert "folder" in err


def test_fit_out_a_folder_is_bad_input(tmp_path, capsys):
    err = _one_line_error(capsys, main(["fit", "--runs", str(tmp_path), "--out",
                                        str(tmp_path)]))
    assert "folder" in err


@pytest.mark.parametrize("text", ["{", "[]", '"x"', "[" * 5000])
def test_a_malformed_config_json_in_a_sweep_folder_is_bad_input(tmp_path, capsys, text):
    (tmp_path / "config.json").write_text(text)
    err = _one_line_error(capsys, main(["experiments", "run", "--preset", "smoke", "--out",
                                        str(tmp_path), "--device", "cpu", "--quiet"]))
    assert "config.json" in err


def test_a_full_disk_names_the_file(tmp_path, monkeypatch, capsys):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as info:
        atomic.write_text(tmp_path / "card.json", "{}")
    assert info.value.filename == str(tmp_path / "card.json")
    assert not list(tmp_path.iterdir())  # the temp file is gone too

    import simulator.curves.cli as curves_cli

    def writes(args):
        atomic.write_text(tmp_path / "fit.json", "{}")

    monkeypatch.setattr(curves_cli, "run_fit_loss", writes)
    err = _one_line_error(capsys, main(["fit-loss", "--csv", "x.csv"]))
    assert str(tmp_path / "fit.json") in err and "No space left" in err


# --------------------------------------------------------------------------- 10: CSV messages

def test_a_header_only_csv_says_it_has_no_rows(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n")
    err = _one_line_error(capsys, main(["fit-loss", "--csv", str(path)]))
    assert "no data rows" in err and "drop-highest-loss" not in err


def test_a_csv_with_a_bom_is_read(tmp_path, capsys):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CHINCHILLA.read_bytes())
    assert main(["fit-loss", "--csv", str(path), "--bootstrap", "0", "--json"]) in (0, 1)
    out = json.loads(capsys.readouterr().out)
    assert out["n_points"] > 100


def test_an_empty_cell_is_named_plainly_not_as_a_numpy_repr(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n1e6,2e7,3.1\n2e6,,2.9\n")
    err = _one_line_error(capsys, main(["fit-loss", "--csv", str(path)]))
    assert "row 2: empty" in err and "np.float64" not in err


def test_no_numpy_warnings_reach_stderr(tmp_path, capsys):
    path = tmp_path / "wild.csv"
    rows = ["params,tokens,loss"] + [f"{10 ** (3 + i % 7)},{10 ** (20 - i % 9)},{1 + 50 * (i % 3)}"
                                     for i in range(30)]
    path.write_text("\n".join(rows) + "\n")
    code = main(["fit-loss", "--csv", str(path), "--bootstrap", "20"])
    err = capsys.readouterr().err
    assert code in (0, 1) and "RuntimeWarning" not in err and "overflow" not in err


def test_schema_and_name_problems_are_listed_together():
    data = __import__("tomllib").loads(SCENARIO.read_text())
    data["year"] = 1900
    data["rule"] = "no-such-rule"
    data["actor"]["chips"][0]["chip"] = "NoSuchChip"
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, "x.toml")
    msg = str(info.value)
    assert "(3 problems)" in msg and "year:" in msg and "rule:" in msg
    assert "actor.chips.0.chip" in msg
