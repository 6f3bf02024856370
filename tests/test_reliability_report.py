"""Report folders: never remove what the report did not write, install atomically, survive a
SIGKILL, clean up after killed runs, give identical bytes twice, and keep user text inert."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.report import install
from simulator.report.document import to_html, to_markdown
from simulator.report.tables import csv_text

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "h200-case-by-case-2026-central.toml"
FAST = ("--set", "uncertainty.draws=64")  # fewer Monte Carlo draws: same files, less time
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def _report_cmd(out: Path, *scenarios) -> list[str]:
    return [sys.executable, "-m", "simulator", "report", *map(str, scenarios or (SCENARIO,)),
            *FAST, "--out", str(out), "--workers", "2"]


def _env() -> dict:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONWARNINGS": "ignore"}


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_report(tmp_path_factory):
    """A finished report (built in a subprocess, as a user would) and its bytes."""
    out = tmp_path_factory.mktemp("reports") / "out"
    done = subprocess.run(_report_cmd(out), cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out, _snapshot(out)


# --------------------------------------------------------------------------- 1: never delete

def test_a_user_folder_is_refused_and_left_untouched(tmp_path, capsys):
    user = tmp_path / "mine"
    (user / "thesis").mkdir(parents=True)
    (user / "thesis" / "chapter1.tex").write_text("my work")
    (user / "index.html").write_text("<p>my page</p>")
    (user / SCENARIO.stem).mkdir()
    before = _snapshot(user)
    assert main(["report", str(SCENARIO), "--out", str(user)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and install.MANIFEST in err and "Traceback" not in err
    assert _snapshot(user) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging left beside it


def test_a_report_writes_a_manifest_listing_every_file_with_its_hash(first_report):
    out, files = first_report
    manifest = install.read_manifest(out)
    assert manifest["scenarios"] == [SCENARIO.stem]
    assert set(manifest["files"]) == set(files) - {install.MANIFEST}
    from simulator.provenance import sha256_bytes

    assert all(manifest["files"][k] == sha256_bytes(files[k]) for k in manifest["files"])


def test_a_previous_report_with_a_foreign_file_added_is_refused(first_report, tmp_path, capsys):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(first_report[0], out)
    (out / "notes.txt").write_text("my notes about the report")
    assert main(["report", str(SCENARIO), "--out", str(out)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "my notes about the report"


def test_out_that_is_a_file_or_an_unwritable_parent_is_a_clear_error(tmp_path, capsys):
    a_file = tmp_path / "report.txt"
    a_file.write_text("x")
    assert main(["report", str(SCENARIO), "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["report", str(SCENARIO), "--out", str(a_file / "sub")]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_parent_is_a_clear_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["report", str(SCENARIO), "--out", str(locked / "out")]) == 2
        assert "cannot create" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


# --------------------------------------------------------------------------- 2: atomic install

def _fake_report(staging: Path, text: str) -> None:
    (staging / "index.html").write_text(text)
    (staging / "scen").mkdir()
    (staging / "scen" / "report.md").write_text(text)
    install.write_manifest(staging, ["scen"])


def test_install_replaces_a_recognised_report_as_a_whole(tmp_path):
    out = tmp_path / "out"
    for text in ("old", "new"):
        staging = install.begin(out)
        assert staging.parent == tmp_path and staging.name.startswith(install.STAGING_PREFIX)
        _fake_report(staging, text)
        install.install(staging, out)
    assert (out / "index.html").read_text() == "new" == (out / "scen" / "report.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_staging_of_a_dead_run_is_removed_but_a_live_one_is_kept(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f"{install.STAGING_PREFIX}out-{dead}-abc"
    (stale / "scen").mkdir(parents=True)
    (stale / "scen" / "partial.png").write_bytes(b"\x89PNG")
    old_style = out / f"{install.STAGING_PREFIX}xyz"  # made inside DIR by older versions
    old_style.mkdir(parents=True)
    live = tmp_path / f"{install.STAGING_PREFIX}out-{os.getppid()}-def"
    live.mkdir()
    other = tmp_path / f"{install.STAGING_PREFIX}another-{dead}-ghi"  # not this DIR's
    other.mkdir()
    removed = install.clean_stale(out)
    assert set(removed) == {stale, old_style}
    assert live.is_dir() and other.is_dir()


def _wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sigkill_mid_report_leaves_the_old_report_and_a_rerun_is_byte_identical(first_report):
    """Crash consistency (2) and reproducibility (9): kill a rerun while it draws charts, the
    previous report is untouched; a clean rerun removes the leftovers and, with
    SOURCE_DATE_EPOCH, writes exactly the same bytes as the first run."""
    out, before = first_report
    proc = subprocess.Popen(_report_cmd(out), cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)

    def staged_charts():
        return any(p.suffix == ".png" for s in out.parent.glob(f"{install.STAGING_PREFIX}*")
                   for p in s.rglob("*"))

    try:
        assert _wait_for(staged_charts, 300), "the rerun never started drawing charts"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _snapshot(out) == before
    assert list(out.parent.glob(f"{install.STAGING_PREFIX}*")), "expected a killed run's staging"
    done = subprocess.run(_report_cmd(out), cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not list(out.parent.glob(f"{install.STAGING_PREFIX}*"))
    again = _snapshot(out)
    if json.loads(again[f"{SCENARIO.stem}/provenance.json"])["code_version"] != json.loads(
            before[f"{SCENARIO.stem}/provenance.json"])["code_version"]:
        pytest.skip("a commit landed between the two builds")
    assert sorted(again) == sorted(before)
    assert [k for k in before if again[k] != before[k]] == []


def test_source_date_epoch_sets_every_printed_date(first_report):
    out, files = first_report
    prov = json.loads(files[f"{SCENARIO.stem}/provenance.json"])
    assert prov["date"] == "2026-01-01T00:00:00+00:00"
    assert "2026-01-01" in files["index.html"].decode()


# --------------------------------------------------------------------------- 5: injection

@pytest.mark.parametrize("href", ["javascript:alert(1)", "JavaScript:alert(1)",
                                  "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x",
                                  "java\x01script:alert(1)", "file:///etc/passwd"])
def test_links_with_unsafe_schemes_stay_text(href):
    blocks = [("p", f"see [here]({href}) and [the rule](https://www.federalregister.gov/x)")]
    page = to_html(blocks, "t")
    assert "<a href=\"https://www.federalregister.gov/x\">the rule</a>" in page
    assert page.count("<a ") == 1 and 'href="java' not in page.lower()
    md = to_markdown(blocks)
    assert "\\[here\\]" in md and "[the rule](https://www.federalregister.gov/x)" in md


def test_relative_and_mail_links_stay_live():
    page = to_html([("p", "[r](scen/report.html) [m](mailto:a@b.org) [t](tables/x.csv)")], "t")
    assert page.count("<a href=") == 3


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tcmd", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(name):
    text = csv_text(["name", "value"], [[name, -1.5]])
    row = text.splitlines()[1] if "\r" not in name else text.split("\n", 1)[1]
    assert row.lstrip('"').startswith("'")
    assert text.rstrip("\n").endswith(",-1.5")  # numbers stay numbers


def test_a_scenario_named_like_a_formula_is_escaped_in_the_comparison_csv(tmp_path):
    out = tmp_path / "out"
    assert main(["report", str(SCENARIO), *FAST, "--set", 'name="=HYPERLINK(1)"', "--set",
                 'description="Click [me](javascript:alert(document.domain))."', "--out",
                 str(out), "--workers", "1"]) == 0
    rows = (out / "comparison.csv").read_text().splitlines()
    assert rows[1].split(",")[1].lstrip('"').startswith("'=HYPERLINK")
    page = (out / SCENARIO.stem / "report.html").read_text()
    assert "javascript:" in page and 'href="javascript' not in page.lower()


def test_a_folder_the_system_refuses_is_a_clear_error_even_as_root(tmp_path, monkeypatch,
                                                                   capsys):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(install.tempfile, "mkdtemp", refuse)
    assert main(["report", str(SCENARIO), *FAST, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "cannot create" in err and "Permission denied" in err and "Traceback" not in err


def test_an_empty_folder_the_user_made_inside_a_report_is_not_removed(tmp_path, capsys):
    out = tmp_path / "out"
    staging = install.begin(out)
    _fake_report(staging, "old")
    install.install(staging, out)
    (out / "my-drafts").mkdir()
    with pytest.raises(Exception) as info:
        install.begin(out)
    assert "my-drafts" in str(info.value) and (out / "my-drafts").is_dir()


def test_cleaning_one_folder_never_touches_another_folders_staging(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    other = tmp_path / f"{install.STAGING_PREFIX}a-{dead}-{os.getpid()}-abc12345"  # DIR "a-<n>"
    other.mkdir()
    install.clean_stale(tmp_path / "a")
    assert other.is_dir()
