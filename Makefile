VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint setup bytecode bench bench-validate clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# xport 3.6.1: the exact XPT v5 reader of the tests; its metadata pins pandas < 1.4, which it does not need
	$(PY) -m pip install --quiet --no-deps xport==3.6.1
	touch $(STAMP)

# The project's own modules compiled once, as pip compiles what it installs: an editable install is not, and with
# PYTHONDONTWRITEBYTECODE set (as on the CI machines) every process compiled them again, 0.3-0.5 s of CPU a run.
# compileall redoes only what changed.
bytecode: $(STAMP)
	$(PY) -m compileall -q cdisc mappings cli.py

run: bytecode
	$(VENV)/bin/cdisc run --raw data/im96/raw --out out

lint: $(STAMP)
	$(VENV)/bin/ruff check cdisc mappings cli.py scripts tests

test: lint
	$(PY) -m pytest -q

bench: bytecode
	$(PY) scripts/bench.py

bench-validate: bytecode
	$(PY) scripts/bench_validate.py

clean:
	rm -rf out $(VENV)
