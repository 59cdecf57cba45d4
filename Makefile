# radassist - the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# llama-cpp-python (dev extra: LLM tests) compiles from source; build it portable.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run app install install-dev index reindex test test-fast eval calibrate bench soak corpus chromium clean help

help:
	@echo "make run    - install (first time), build the index if missing, open the chat on http://localhost:$(PORT)"
	@echo "make test   - install test dependencies and run the whole test suite"
	@echo "make index  - update the index after changing corpus/ (incremental)"
	@echo "make eval   - run the eval sets (blind test splits, realdocs, dev) and write reports under evals/reports/"
	@echo "make calibrate - refit the refusal and sentence models on the blind tune splits"
	@echo "make bench  - run the benchmarks (bench/) and update docs/performance.md"
	@echo "make soak   - long robustness loops (kill -9 during indexing, load)"
	@echo "make corpus - re-render the sample corpus from corpus_src/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The privacy guard reads deduce's name and place lists (data only, its code is never imported).
# --no-deps: deduce pins regex<2025, which transformers (>=2025.10) rules out.
DEDUCE := deduce==3.0.6

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/pip install -q --no-deps $(DEDUCE)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps $(DEDUCE)
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

index/CURRENT: | $(VENV)/.installed
	$(BIN)/radassist index

index: $(VENV)/.installed
	$(BIN)/radassist index

reindex: $(VENV)/.installed
	$(BIN)/radassist index --rebuild

run: $(VENV)/.installed index/CURRENT
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address localhost \
		--browser.gatherUsageStats false --browser.serverAddress localhost

app: run

# Debian's chromium for the real-browser test (never a downloaded browser).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser test"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
		|| echo "chromium could not be installed: the browser test will be skipped"; \
	else echo "apt-get not available: the browser test will be skipped"; fi

test: $(VENV)/.installed-dev chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -x -m "not slow and not browser"

# Evaluate what the corpus says now: bring the index up to date first (incremental, ~0.3 s if nothing changed).
eval: $(VENV)/.installed-dev
	$(BIN)/radassist index
	$(BIN)/radassist eval --set evals/blind/sample-test.jsonl --conversations evals/blind/conversations-test.jsonl \
		--name sample-test --write-calibration evals/calibration.json
	$(BIN)/radassist eval --set evals/blind/realdocs-test.jsonl --corpus ../shared/realdocs --name realdocs-test
	$(BIN)/radassist eval --set evals/dev.jsonl --conversations evals/conversations.jsonl --name dev \
		--update-readme README.md
	$(BIN)/python -m radassist.privacy.evaluate --markdown evals/privacy/results.md
	$(BIN)/python -m radassist.verify_eval --set evals/verify.jsonl --out evals/reports

# Fit the support (refusal) and sentence models on the blind tune splits; then run make eval.
calibrate: $(VENV)/.installed-dev
	$(BIN)/radassist index
	$(BIN)/radassist calibrate --set evals/blind/sample-tune.jsonl --conversations evals/blind/conversations-tune.jsonl

bench: $(VENV)/.installed-dev index/CURRENT
	$(BIN)/python bench/run.py

soak: $(VENV)/.installed-dev
	$(BIN)/python bench/soak.py
	$(BIN)/python bench/load.py --sessions 20 --rounds 5

corpus: $(VENV)/.installed-dev
	$(BIN)/python corpus_src/render.py

clean:
	rm -rf index var .pytest_cache
