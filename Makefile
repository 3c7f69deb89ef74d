# The two commands of the README: `make serve` (install, build, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install build serve test lint constraints clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

build: install
	$(BIN)/diplodata build

serve: build
	$(BIN)/diplodata serve

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

constraints: install
	{ head -n 2 constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^diplodata'; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .build diplomacy.db inspect-data.json release-facts.json downloads
