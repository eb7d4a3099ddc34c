# Every target sets up what it needs: a virtual environment under .venv, Node.js under toolchain,
# npm packages under node_modules, Debian's Chromium for the browser test. Safe to run again: stamps
# skip done work.
SHELL := /bin/bash
# The project's Node.js (toolchain/package.json) comes first on PATH: npm, the CDK CLI and jsii (which
# runs the Python CDK app's JavaScript kernel with whatever `node` is on PATH) all run on it.
NODE_BIN := $(CURDIR)/toolchain/node_modules/.bin
export PATH := $(NODE_BIN):$(PATH)
# The Lambda runtime's Python (3.13) runs the suite when the machine has it, on PATH or in pyenv;
# 3.11 otherwise. `make test PYTHON=/path/to/python` chooses another.
PYENV_313 = $$(ls -d $$(pyenv root 2>/dev/null || echo $${PYENV_ROOT:-~/.pyenv})/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV)
PYTHON ?= $(shell for p in python3.13 $(PYENV_313) python3.11; do \
  $$p -c 'import sys; print(sys.executable)' 2>/dev/null && break; done)
PY_VERSION := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
# Named for the Python it was built with: another Python rebuilds the environment.
STAMP := $(VENV)/.installed-py$(PY_VERSION)
LOCK := functions/requirements.txt
NODE_STAMP := toolchain/node_modules/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
SRC := functions localcloud infra tests bench app.py

.PHONY: help venv lock setup demo test lint format synth deploy bench local trust chromium clean smoke

help:
	@echo "make demo    - run the whole system end to end on the local cloud (no AWS account)"
	@echo "make test    - lint, type-check and run the whole test suite"
	@echo "make synth   - synthesize the CloudFormation templates offline into cdk.out"
	@echo "make deploy  - cdk deploy with the pinned CLI (needs AWS credentials)"
	@echo "make bench   - benchmarks; table on stdout, JSON under bench/results/"
	@echo "make local   - start the local cloud and its web pages (Ctrl-C stops it)"
	@echo "make trust   - print how to trust the local cloud's CA in your own browser"
	@echo "make lock    - after changing a pin: resolve functions/requirements.in into the hashed lock"

venv:
	@test -n "$(PY_VERSION)" || { echo "No Python runs ($(or $(PYTHON),none found)): needs python3.13" \
	  "(on PATH or in pyenv) or python3.11, or make PYTHON=/path/to/python3.13" >&2; exit 1; }
	@echo "Python $(PY_VERSION) for $(VENV): $(PYTHON)$(if $(filter 3.13,$(PY_VERSION)),, (no 3.13 here; Lambda runs 3.13))"
	@[ "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$(PY_VERSION)" ] \
	  || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }

# The functions' packages exactly as locked, hashes checked (the files the Lambda layer is built
# from), then the tools, which may not move a locked version (its pins as constraints: pip takes no
# hashes there without asking them of every tool).
$(STAMP): requirements.txt requirements-dev.txt functions/requirements.in $(LOCK) | venv
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt \
	  -c <(sed -n 's/^\([A-Za-z0-9][^ ]*==[^ ]*\).*/\1/p' $(LOCK))
	touch $@

# Any npm fetches the Node.js build for this machine; npm then reruns on it for node_modules.
$(NODE_STAMP): toolchain/package.json toolchain/package-lock.json
	cd toolchain && npm ci --no-audit --no-fund
	@test -x $(NODE_BIN)/node || { echo "toolchain/package.json has no Node.js build for $$(uname -sm)" >&2; exit 1; }
	touch $@

# After changing a pin in functions/requirements.in or requirements*.txt: resolve the lock again, with
# the versions the test environment agrees with, for Lambda's Python 3.13 on arm64, every wheel hashed.
lock: venv
	$(PY) -m pip install -q --disable-pip-version-check $$(grep '^uv==' requirements-dev.txt)
	$(VENV)/bin/uv pip compile -q requirements-dev.txt --python-version 3.13 --no-header --no-annotate \
	  -o $(VENV)/test-versions.txt
	$(VENV)/bin/uv pip compile -q functions/requirements.in -c $(VENV)/test-versions.txt --generate-hashes \
	  --python-version 3.13 --python-platform aarch64-manylinux2014 --custom-compile-command 'make lock' -o $(LOCK)

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

# After a deploy: the stage's live-view canary once; non-zero naming the failing step.
smoke: $(STAMP)
	@test -n "$(STAGE)" || { echo "make smoke STAGE=<stage>" >&2; exit 2; }
	$(PY) -m functions.canary.smoke --stage '$(STAGE)'

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache
