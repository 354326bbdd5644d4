# Two commands from a fresh clone: `make test` and `make demo`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_PORT ?= 8765
DEMO_DB   ?= demo.db

.PHONY: setup test lint demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The bench extra too: the smoke test of `make bench` runs the rival extractors on two pages;
# replay and browse: their tests serve a crawl's WARC files with pywb and an archive with
# Datasette (`make demo` ends in `browse`).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,replay,browse]'
	touch $(STAMP)

setup: $(STAMP)
	@echo "newsarchive is installed in $(BIN)/: '. $(BIN)/activate' puts it on your PATH"

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/python scripts/demo.py --port $(DEMO_PORT) --db $(DEMO_DB)

# Benchmarks against the floor and the rivals (bench/__main__.py lists the BENCH_* sizes).
.PHONY: bench

bench: $(STAMP)
	$(BIN)/python -m bench

# The whole site (bench/scale.py): archives of 100,000, 300,000 and 1,000,000 generated articles
# on SQLite and PostgreSQL, built once under bench/.cache (an hour or more) and measured; writes
# bench/scale.md and bench/scale.json. SCALE_SIZES=20000,50000 for a quicker run.
.PHONY: bench-scale

bench-scale: $(STAMP)
	nice $(BIN)/python -m bench.scale

# The reliability suite with its longer variants (more articles, kills and fuzzed inputs); its
# counts go into docs/reliability.md.
RELIABILITY_FIGURES := build/reliability.json
.PHONY: reliability

reliability: $(STAMP)
	rm -f $(RELIABILITY_FIGURES)
	NEWSARCHIVE_RELIABILITY_LONG=1 NEWSARCHIVE_FIGURES=$(CURDIR)/$(RELIABILITY_FIGURES) \
		$(BIN)/pytest -q -p no:randomly tests/test_reliability_faults.py \
		tests/test_reliability_kills.py tests/test_reliability_boundaries.py \
		tests/test_reliability_durability.py tests/test_reliability_pressure.py \
		tests/test_hostile_html.py
	$(BIN)/python scripts/reliability_figures.py $(RELIABILITY_FIGURES) docs/reliability.md

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .mypy_cache .pytest_cache .ruff_cache
