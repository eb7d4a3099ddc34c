# Every target sets up what it needs: a virtual environment under .venv, Node.js under toolchain,
# npm packages under node_modules, Debian's Chromium for the browser test. Safe to run again: stamps
# skip done work.
SHELL := /bin/bash
# The project's Node.js (toolchain/package.json) comes first on PATH: npm, the CDK CLI and jsii (which
# runs the Python CDK app's JavaScript kernel with whatever `node` is on PATH) all run on it.
NODE_BIN := $(CURDIR)/toolchain/node_modules/.bin
export PATH := $(NODE_BIN):$(PATH)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := toolchain/node_modules/.installed-stamp
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

# Any npm fetches the Node.js build for this machine; npm then reruns on it for node_modules.
$(NODE_STAMP): toolchain/package.json toolchain/package-lock.json
	cd toolchain && npm ci --no-audit --no-fund
	@test -x $(NODE_BIN)/node || { echo "toolchain/package.json has no Node.js build for $$(uname -sm)" >&2; exit 1; }
	touch $@

$(NPM_STAMP): package.json package-lock.json .npmrc $(NODE_STAMP)
	npm ci --no-audit --no-fund
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

# A warning annotation (--strict), a cdk-nag finding (AwsSolutionsChecks) or a cfn-lint finding fails
# the target. jsii's deprecation notices are quieted: the only one is cdk-nag 3.0.2 reading
# CfnEventBusPolicy#principal in its own EVB1 rule, not a problem of the templates.
synth deploy: export JSII_DEPRECATED := quiet

synth: $(STAMP) $(NPM_STAMP)
	npx --no-install cdk synth --quiet --strict '**'
	$(VENV)/bin/cfn-lint cdk.out/assembly-*/*.template.json

deploy: $(STAMP) $(NPM_STAMP)
	npx --no-install cdk deploy --strict '$(or $(STAGE),*)/*'

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache
