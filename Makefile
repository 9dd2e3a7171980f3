# Transfrontier — the two commands of the README: `make demo` and `make test`.
# Both create .venv with Python 3.12+ and install what they need from requirements.lock
# (exact, hashed versions); `make lock` refreshes that file from pyproject.toml's ranges.

PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3 2>/dev/null || echo python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: demo test test-fast lint format bench app browser lock clean

# Everything, pip and the build backend included, comes from the lock with its hashes checked;
# the project itself is then installed on top, editable, without fetching anything more.
$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is required (see .python-version)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	@touch $@

# Re-resolve the lock from pyproject.toml (dependencies, the app and dev extras, the build
# backend, pip) for Linux x86_64 and Python 3.12. Pins already in the lock are kept while the
# ranges allow them; `make lock UPGRADE=1` moves everything to the newest allowed versions.
LOCK_HEADER := \
  '\# requirements.lock: the exact, hashed versions that `make demo`, `make test` and CI install' \
  '\# (Linux x86_64, Python 3.12): the dependencies and the app and dev extras of pyproject.toml,' \
  '\# its build backend and pip. Made by `make lock` (uv pip compile) from the ranges in' \
  '\# pyproject.toml; `make lock UPGRADE=1` takes the newest versions they allow. Not edited by hand.'

lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], "pip", sep="\n")' \
	  | $(BIN)/uv pip compile pyproject.toml - --extra app --extra dev --generate-hashes \
	    --python-version 3.12 --python-platform x86_64-unknown-linux-gnu \
	    --no-header $(if $(UPGRADE),--upgrade) --quiet -o $(LOCK)
	@{ printf '%s\n' $(LOCK_HEADER); cat $(LOCK); } > $(LOCK).new && mv $(LOCK).new $(LOCK)
	@echo "$(LOCK): $$(grep -c '^[a-z]' $(LOCK)) packages"

demo: $(STAMP)
	$(BIN)/transfrontier run historical --seed 1 --replicates 5

test: $(STAMP) lint browser
	$(BIN)/python -m pytest

# Debian's Chromium for the browser test (Playwright's own browser download is not used).
browser:
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "note: /usr/bin/chromium missing: the browser test will be skipped"; fi; }

app: $(STAMP)
	$(BIN)/transfrontier app

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
