# Freightlab: `make run` opens the app, `make test` runs the whole suite headless.
PY := .venv/bin/python

.PHONY: setup run test lint bench clean

setup:
	@scripts/setup.sh test

run:
	@scripts/setup.sh run
	$(PY) main.py

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadgroup

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy
	.venv/bin/lint-imports

bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf .venv build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
