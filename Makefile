# Two commands are all a user needs: `make run` (the app) and `make test` (the suite).
# Both create or refresh .venv when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch pinned to the CPU build first so nothing pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/streamlit run app.py

test: $(STAMP)
	@bash scripts/ensure_chromium.sh || echo "note: Debian chromium unavailable; the browser test will skip"
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m simulator bench

clean-venv:
	rm -rf $(VENV)
