# Every target sets up what it needs: a virtual environment under .venv, npm packages under
# node_modules, Debian's Chromium for the browser test. Safe to run again: stamps skip done work.
SHELL := /bin/bash
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
SRC := functions localcloud infra tests bench app.py

.PHONY: help setup demo test lint format synth deploy bench local trust chromium clean

help:
	@echo "make demo    - run the whole system end to end on the local cloud (no AWS account)"
	@echo "make test    - lint, type-check and run the whole test suite"
	@echo "make synth   - synthesize the CloudFormation templates offline into cdk.out"
	@echo "make deploy  - cdk deploy with the pinned CLI (needs AWS credentials)"
	@echo "make bench   - benchmarks; table on stdout, JSON under bench/results/"
	@echo "make local   - start the local cloud and its web pages (Ctrl-C stops it)"
	@echo "make trust   - print how to trust the local cloud's CA in your own browser"

$(STAMP): requirements.txt requirements-dev.txt functions/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

setup: $(STAMP)

# Debian's Chromium for the browser test (the machine may be new; CI runs as root).
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check $(SRC)
	$(VENV)/bin/ruff format --check $(SRC)
	$(VENV)/bin/mypy functions localcloud

format: $(STAMP)
	$(VENV)/bin/ruff check --fix $(SRC)
	$(VENV)/bin/ruff format $(SRC)

# The npm packages hold the browser camera's KVS WebRTC SDK, which the browser test runs.
test: $(STAMP) $(NPM_STAMP) chromium lint
	$(PY) -m pytest -n 2

demo: $(STAMP)
	$(PY) -m localcloud demo

local: $(STAMP) $(NPM_STAMP)
	$(PY) -m localcloud up

trust: $(STAMP)
	$(PY) -m localcloud trust

synth: $(STAMP) $(NPM_STAMP)
	npx --no-install cdk synth --quiet
	$(VENV)/bin/cfn-lint cdk.out/assembly-*/*.template.json

deploy: $(STAMP) $(NPM_STAMP)
	npx --no-install cdk deploy '$(or $(STAGE),*)/*'

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache
