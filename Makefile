# Two commands on a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app judging
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: demo test install install-test serve bench migration clean-demo lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make demo: install, build instance/judging.sqlite, load the prize and a demo edition, serve it
demo: install
	JUDGING_ENV=development $(FLASK) init-db
	JUDGING_ENV=development $(FLASK) seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	JUDGING_ENV=development JUDGING_COOKIE_SECURE=0 $(FLASK) run --host $(HOST) --port $(PORT)

## make clean-demo: remove the demo database and files (instance/)
clean-demo:
	rm -rf instance/judging.sqlite instance/uploads instance/certificates

## make test: install the test extras and run the whole suite: on SQLite, then on a throwaway
## PostgreSQL server (skipped outside CI when PostgreSQL is not installed)
test: install-test
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)
	scripts/with-postgres $(VENV)/bin/pytest -q -m "not browser" $(PYTEST_ARGS)

## make bench: the performance table (see README, Performance); BENCH_ARGS=--quick for a short run
bench: install-test
	$(PY) -m benchmarks $(BENCH_ARGS)

## make migration: regenerate the initial migration from the models (before the first release)
migration: install
	rm -f migrations/versions/0001_initial.py
	tmp=$$(mktemp -d) && JUDGING_ENV=development JUDGING_DATABASE_URL=sqlite:///$$tmp/m.sqlite \
	  $(FLASK) db revision --autogenerate --rev-id 0001 -m initial && rm -rf $$tmp
	mv migrations/versions/0001_initial_.py migrations/versions/0001_initial.py 2>/dev/null || true
