# Three commands on a fresh clone:  make synth,  make test  and  make demo.
# Both install what they need once (again only when a lock file changes).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Node 22 from node_modules first, so jsii and the CDK CLI never run on an end-of-life Node.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Synth reaches no network: no CLI telemetry, no notices (pull-request checks and make demo run offline).
export CDK_DISABLE_CLI_TELEMETRY := true

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: all install synth test demo lint unit nag-report bench clean

all: synth

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## make synth: synthesize the default app into cdk.out/ and say what it holds (no AWS account needed).
synth: install
	cdk synth --quiet --no-notices
	$(PY) scripts/summarize_cdk_out.py cdk.out

## make demo: deploy what make synth made into moto on 127.0.0.1 and run it end to end (no AWS account, no Docker).
demo: synth
	$(PY) -m emulator.demo cdk.out

## make test: lint, then the whole test suite (cdk-nag and cfn-lint gates included).
test: install lint unit

lint: $(PY_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

unit: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/synth.py

clean:
	rm -rf cdk.out .pytest_cache
