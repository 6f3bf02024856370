"""The hosted app reads uploads and the shipped evidence only: a folder named in the URL is
not read unless the person running the app allows it, and the server listens on localhost."""

import json
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from simulator.app.local_folders import LOCAL_FOLDERS_ENV, local_folders_allowed, redact

ROOT = Path(__file__).resolve().parent.parent


def _evidence(query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/evidence.py")
    at.query_params = dict(query)
    return at.run()


def test_a_folder_in_the_url_is_not_read_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(LOCAL_FOLDERS_ENV, raising=False)
    from sample_evidence import sample_runs

    sample_runs().to_csv(tmp_path / "results.csv", index=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    at = _evidence({"source": "folder", "dir": str(tmp_path)})
    assert not at.exception
    shown = " ".join(str(e.value) for e in list(at.error) + list(at.warning) + list(at.info)
                     + list(at.caption) + list(at.markdown))
    assert str(tmp_path) not in shown
    assert "Runs" not in [m.label for m in at.metric]          # nothing was read
    assert not at.text_input                                    # no box to type a path in
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing was written
    assert "dir" not in at.query_params


def test_the_local_folder_setting_is_off_unless_set():
    assert not local_folders_allowed({})
    assert not local_folders_allowed({LOCAL_FOLDERS_ENV: "0"})
    assert local_folders_allowed({LOCAL_FOLDERS_ENV: "1"})


def test_server_temp_paths_are_redacted_from_messages(tmp_path):
    msg = f"{tmp_path}/upload/results.csv: column 'loss' must be a positive number"
    assert redact(msg, tmp_path) == "upload/results.csv: column 'loss' must be a positive number"
    assert str(tmp_path) not in redact(msg, tmp_path)


def test_the_server_listens_on_localhost_unless_configured():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
    assert json.dumps(config)  # plain data
