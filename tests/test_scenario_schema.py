"""Scenario files: validation, overrides, error messages (exit 2, one line) and lever specs."""

import json

import pytest

from simulator.errors import InputError
from simulator.paths import SCENARIOS_DIR
from simulator.scenario import lever_specs, load_scenario, with_values
from simulator.scenario.schema import is_lever

REF = SCENARIOS_DIR / "deepseek-v3-reference.toml"
SHIPPED = sorted(SCENARIOS_DIR.glob("*.toml"))


def test_every_shipped_scenario_loads_and_cites_sources():
    assert len(SHIPPED) >= 7
    for path in SHIPPED:
        s = load_scenario(path)
        assert len(s.description) > 100, path
        assert s.sources and all("http" in src for src in s.sources), path


def test_shipped_families_cover_the_issue():
    names = " ".join(p.name for p in SHIPPED)
    for family in ("rule-2022-a800-loophole", "rules-2023-h20-imports", "h20-requirement-2025",
                   "h200-case-by-case-2026", "api-lockdown", "smuggling-crackdown",
                   "deepseek-v3-reference"):
        assert family in names


def test_override_sets_numbers_strings_and_list_entries():
    s = load_scenario(REF, ["actor.chips.0.count=5000", 'distillation.access="topk"',
                            "distillation.top_k=5", "actor.remote_access_controls=true"])
    assert s.actor.chips[0].count == 5000
    assert s.distillation.access == "topk" and s.distillation.top_k == 5
    assert s.actor.remote_access_controls is True


def test_override_can_create_an_omitted_table():
    s = load_scenario(REF, ["uncertainty.draws=17"])
    assert s.uncertainty.draws == 17


def test_with_values_revalidates():
    s = with_values(load_scenario(REF), {"actor.mfu": 0.3})
    assert s.actor.mfu == 0.3
    with pytest.raises(InputError, match="actor.mfu"):
        with_values(s, {"actor.mfu": 3.0})


BAD_OVERRIDES = [
    (["actor.mfu=abc"], "actor.mfu", "TOML literal"),
    (["actor.mfu=2"], "actor.mfu", "less than or equal"),
    (["actor.bogus=1"], "actor.bogus", "unknown key"),
    (["bogus.table=1"], "bogus", "unknown key"),
    (["actor.chips.9.count=1"], "actor.chips.9.count", "out of range"),
    (['actor.chips.0.chip="Z9000"'], "actor.chips.0.chip", "valid: "),
    (['rule="2099-01"'], "rule", "2022-10"),
    (['distillation.access="logprobs"'], "distillation.access", "'topk'"),
    (['actor.chips.0.channel="ebay"'], "actor.chips.0.channel", "'smuggled'"),
    (['law="nope"'], "law", "besiroglu_2024"),
    (['fit="missing.json"'], "fit", "no such fit card"),
    (['actor.chips.0.count="many"'], "actor.chips.0.count", "valid number"),
    (["actor.chips.0.count=nan"], "actor.chips.0.count", "finite"),
    (["distillation.top_k=0"], "distillation.top_k", "greater than or equal"),
    (['uncertainty.levers.0.path="year"'], "uncertainty.levers.0.path", "not a numeric lever"),
    (["uncertainty.levers.0.high=0.95"], "uncertainty.levers.0", "bounds"),
    (["actor.chips=[]"], "actor.chips", "at least 1"),
    (["actor"], "actor", "dotted.path=VALUE"),
]


@pytest.mark.parametrize("overrides,field,hint", BAD_OVERRIDES)
def test_bad_override_exits_2_with_one_line_naming_file_and_field(run_cli, overrides, field,
                                                                  hint):
    args = ["run", REF]
    for o in overrides:
        args += ["--set", o]
    code, out, err = run_cli(*args)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(REF) in err and field in err and hint in err, err


@pytest.mark.parametrize("text,hint", [
    ('name = "x"\n[frontier\n', "malformed TOML"),
    ('name = "x"\n', "required field is missing"),
    ('name = 3\n', "name"),
])
def test_bad_file_exits_2(run_cli, tmp_path, text, hint):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, _, err = run_cli("run", path)
    assert code == 2 and str(path) in err and hint in err and err.count("\n") == 1


def test_unknown_top_level_table_is_named(run_cli, tmp_path):
    path = tmp_path / "extra.toml"
    path.write_text(REF.read_text() + "\n[extras]\nx = 1\n")
    code, _, err = run_cli("run", path)
    assert code == 2 and "extras: unknown key" in err


def test_missing_file_and_directory_exit_2(run_cli, tmp_path):
    assert run_cli("run", tmp_path / "none.toml")[0] == 2
    code, _, err = run_cli("run", tmp_path)
    assert code == 2 and "is a folder, not a scenario file" in err
    code, _, err = run_cli("run", REF, "--fit", tmp_path / "none.json")
    assert code == 2 and "no such fit card" in err


def test_lever_specs_give_bounds_defaults_and_descriptions():
    specs = {s["path"]: s for s in lever_specs(load_scenario(REF))}
    mfu = specs["actor.mfu"]
    assert (mfu["min"], mfu["max"], mfu["default"], mfu["kind"]) == (0.0, 0.8, 0.17, "float")
    assert specs["distillation.access"]["choices"] == ("logits", "topk", "text")
    assert specs["actor.chips.0.count"]["sampled"] and specs["actor.chips.0.count"]["log"]
    assert "2022-10" in specs["rule"]["choices"]
    assert all(s["description"] for s in specs.values())


def test_lever_specs_without_a_scenario_describe_the_schema():
    paths = {s["path"] for s in lever_specs()}
    assert {"frontier.compute_flop", "actor.chips.0.count", "distillation.tokens"} <= paths


def test_is_lever_accepts_model_inputs_only():
    assert is_lever("actor.chips.3.count") and is_lever("distillation.budget_usd")
    assert not is_lever("year") and not is_lever("distillation.top_k")


def test_run_json_prints_the_contract(run_cli):
    code, out, _ = run_cli("run", REF, "--json", "--draws", "50")
    assert code == 0
    d = json.loads(out)
    for strategy in ("scratch", "distill"):
        assert {"compute_flop", "effective_compute_flop", "loss", "lag_years",
                "cost_usd"} <= set(d["results"][strategy])
    assert {"scenario", "percentiles", "tornado", "regime", "assumptions"} <= set(d)


def test_run_table_is_readable(run_cli):
    code, out, _ = run_cli("run", REF, "--draws", "50", "--set", "actor.mfu=0.2")
    assert code == 0
    assert "lag (years)" in out and "regime:" in out and "assumptions:" in out


def test_run_reads_a_fit_card_file(run_cli, tmp_path):
    from test_scenario_fixtures import make_card

    path = tmp_path / "card.json"
    path.write_text(make_card().to_json())
    code, out, _ = run_cli("run", REF, "--fit", path, "--json", "--draws", "20")
    assert code == 0
    d = json.loads(out)
    assert d["regime"]["source"] == "fit card" and d["fit"]["label"] == str(path)


def test_run_rejects_a_file_that_is_not_a_fit_card(run_cli, tmp_path):
    path = tmp_path / "card.json"
    path.write_text('{"schema_version": 1}')
    code, _, err = run_cli("run", REF, "--fit", path)
    assert code == 2 and str(path) in err and "scratch" in err
