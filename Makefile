# Two commands do all the set-up on a fresh machine (Python >= 3.12 on PATH,
# picked by pyenv from .python-version): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run district test test-slow test-browser baseline baseline-diff bench bench-sweep bench-engine clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), f"sanshe needs Python >= 3.12, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job: the flagship comparison (experiments/flagship.toml), its
# report in English and Chinese, and where to find them.
run: $(STAMP)
	$(BIN)/sanshe experiment run experiments/flagship.toml --out results/flagship
	$(BIN)/sanshe experiment report results/flagship --lang zh
	$(BIN)/sanshe experiment report results/flagship
	@echo "The flagship report: $(CURDIR)/results/flagship/report.html (Chinese: report_zh.html beside it)"

# One run of the reformed district at full scale, with its indicator summary.
district: $(STAMP)
	$(BIN)/sanshe run scenarios/yuzhong_2016.toml --months 120 --out results/yuzhong_2016

# The default suite, after the linter (ruff, configured in pyproject.toml).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow

# The dashboard served by `sanshe app` and the experiment report, in the system's
# headless Chromium (/usr/bin/chromium; skipped when it is missing).
test-browser: $(STAMP)
	$(BIN)/pytest -q -m browser

# The regression baseline (tests/regression.py): what moved against the committed
# numbers, and, after a change meant to move them, the refresh (say why in the commit).
baseline-diff: $(STAMP)
	$(BIN)/python tests/regression.py

baseline: $(STAMP)
	$(BIN)/python tests/regression.py --update

bench: $(STAMP)
	$(BIN)/python benchmarks/full_district.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/sweep.py

# The engine's own cost per run (a trivial one-step model, 8,192 runs on 2 workers)
# and the time of a rerun of the finished experiment.
bench-engine: $(STAMP)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) results
