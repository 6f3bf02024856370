"""Fuzzing the inputs a user controls: scenario TOML, ``--set``, CSV files and report folders.

Whatever the input, the answer is a valid result or an InputError (exit 2, one line, no
traceback); a report never removes a file it did not write. Examples are bounded so the module
runs in tens of seconds.
"""

import copy
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.errors import InputError
from simulator.report import install
from simulator.scenario.loading import (apply_override, parse_override, parse_toml,
                                        scenario_from_dict)

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "h200-case-by-case-2026-central.toml"
BASE = tomllib.loads(SCENARIO.read_text())
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = st.one_of(st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.none())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)


def _paths(node, prefix=()):
    """Yields every dotted path (as a tuple) in a nested dict/list."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (str(i),)
            yield from _paths(v, prefix + (str(i),))


PATHS = sorted(set(_paths(BASE)))


def _valid_or_input_error(fn, *args):
    try:
        return fn(*args)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc), repr(exc)
        return None


# --------------------------------------------------------------------------- scenario TOML

@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=4))
def test_any_value_at_any_field_is_a_scenario_or_an_input_error(edits):
    data = copy.deepcopy(BASE)
    for path, value in edits:
        try:
            apply_override(data, list(path), value, "fuzz.toml")
        except InputError:
            continue
    scenario = _valid_or_input_error(scenario_from_dict, data, "fuzz.toml")
    if scenario is not None:  # accepted: every number is a real number, never a bool or text
        assert not isinstance(scenario.actor.chips[0].count, bool)
        assert isinstance(scenario.actor.mfu, float)


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_parses_as_toml_or_is_an_input_error(text):
    _valid_or_input_error(parse_toml, text, "fuzz.toml")


@FUZZ
@given(cut=st.integers(0, len(SCENARIO.read_text())), junk=st.text(max_size=30))
def test_a_damaged_scenario_file_is_an_input_error_not_a_crash(tmp_path, cut, junk, capsys):
    text = SCENARIO.read_text()
    path = tmp_path / "damaged.toml"
    path.write_text(text[:cut] + junk + text[cut:], encoding="utf-8")
    from simulator.scenario import load_scenario

    _valid_or_input_error(load_scenario, path)


def test_deep_nesting_in_scenario_text_is_an_input_error():
    for depth in (100, 1000, 5000):
        text = "x = " + "[" * depth + "]" * depth
        _valid_or_input_error(parse_toml, text, "deep.toml")
        _valid_or_input_error(parse_toml, "a = " + "{b = " * depth + "1" + "}" * depth, "t")


# --------------------------------------------------------------------------- --set

@FUZZ
@given(path=st.sampled_from([".".join(p) for p in PATHS]), raw=st.text(max_size=40))
def test_any_set_value_is_applied_whole_or_refused(path, raw):
    text = f"{path}={raw}"
    try:
        parts, value = parse_override(text, "fuzz.toml")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    # accepted: the value is exactly one TOML literal; nothing after it was dropped
    assert set(tomllib.loads(f"v = {raw.strip()}")) == {"v"}
    data = copy.deepcopy(BASE)
    try:
        apply_override(data, parts, value, "fuzz.toml")
    except InputError:
        return
    _valid_or_input_error(scenario_from_dict, data, "fuzz.toml")


# --------------------------------------------------------------------------- CSV inputs

cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-5, 10**12).map(str), st.text(max_size=6), st.just(""))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(header=st.sampled_from(["params,tokens,loss", "\ufeffparams,tokens,loss",
                               "params;tokens;loss", "params,tokens", "loss,params,tokens,x",
                               ""]),
       rows=st.lists(st.lists(cells, min_size=0, max_size=4), max_size=12),
       tail=st.sampled_from(["", "\n", "\r\n", "\x00", "# comment\n"]))
def test_any_csv_is_fitted_or_refused_with_exit_2(tmp_path, capsys, header, rows, tail):
    path = tmp_path / "runs.csv"
    path.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + tail,
                    encoding="utf-8")
    code = main(["fit-loss", "--csv", str(path), "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err and "np.float64" not in err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_any_bytes_as_a_results_csv_are_read_or_refused(tmp_path, data):
    from simulator.curves.results_csv import read_results

    path = tmp_path / "results.csv"
    path.write_bytes(data)
    _valid_or_input_error(read_results, path)


# --------------------------------------------------------------------------- report folders

names = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF,
                                       blacklist_characters="/\\:*?\"<>|"),
                min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))
trees = st.dictionaries(names, st.one_of(st.binary(max_size=20),
                                         st.dictionaries(names, st.binary(max_size=8),
                                                         max_size=3)), max_size=5)


def _write_tree(folder: Path, tree: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, value in tree.items():
        if isinstance(value, dict):
            _write_tree(folder / name, value)
        else:
            (folder / name).write_bytes(value)


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@FUZZ
@given(tree=trees, with_manifest=st.booleans())
def test_a_report_never_removes_a_file_it_did_not_write(tmp_path_factory, tree, with_manifest):
    base = tmp_path_factory.mktemp("fuzz")
    out = base / "out"
    _write_tree(out, tree)
    if with_manifest:  # a previous report, with the user's tree mixed in or not
        staging = install.begin(base / "prev")
        (staging / "index.html").write_text("previous")
        install.write_manifest(staging, [])
        install.install(staging, base / "prev")
        for p in (base / "prev").iterdir():
            p.rename(out / p.name) if not (out / p.name).exists() else None
    before = _snapshot(out)
    manifest = install.read_manifest(out)
    ours = set(manifest["files"]) | {install.MANIFEST} if manifest else set()
    try:
        staging = install.begin(out)
    except InputError as exc:
        assert "\n" not in str(exc)
        assert _snapshot(out) == before  # refused: untouched
        return
    (staging / "index.html").write_text("new report")
    install.write_manifest(staging, [])
    install.install(staging, out)
    # replaced: only what the previous report listed was there to lose
    assert set(before) <= ours
    assert (out / "index.html").read_text() == "new report"
    assert not [p for p in base.iterdir() if p.name.startswith(".report-")]


@pytest.mark.parametrize("name", ["out", "a b", "ünï", ".hidden"])
def test_a_report_into_a_new_folder_leaves_nothing_beside_it(tmp_path, name):
    staging = install.begin(tmp_path / name)
    (staging / "index.html").write_text("r")
    install.write_manifest(staging, [])
    install.install(staging, tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@FUZZ
@given(text=st.text(max_size=40))
def test_any_set_text_is_parsed_or_refused_on_one_line(text):
    _valid_or_input_error(parse_override, text, "fuzz.toml")
