# entitas: Indonesian entity extraction. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPORA ?= ../shared/corpora
INPUT ?= seeds/
OUT ?= outputs/
# Torch threads fight everything else on a 2-core machine; training sets them deliberately.
TRAIN_THREADS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install extract test test-fast test-wheel wheel lint evaluate bench bench-quick bench-report \
	bench-article pretrain train-tokenizer train-ner clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv if missing and install the project into it

extract: $(STAMP) ## Extract entity tables and an HTML report from INPUT (seeds/) into OUT (outputs/)
	$(BIN)/entitas extract $(INPUT) --out $(OUT)
	$(BIN)/entitas report $(OUT) --out $(patsubst %/,%,$(OUT))/report.html

test: $(STAMP) ## Run the whole test suite on the shipped models (what CI runs)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## The suite without the tests marked slow (well under a minute)
	$(BIN)/python -m pytest -m "not slow"

test-wheel: $(STAMP) ## Build the wheel, install it alone into a scratch venv, extract the seeds from another folder
	$(BIN)/python -m pytest tests/test_wheel.py

wheel: $(STAMP) ## Build dist/entitas-*.whl: the code and the models, installable anywhere
	$(BIN)/pip wheel --no-deps --no-build-isolation --quiet --wheel-dir dist .

lint: $(STAMP) ## Ruff over the code
	$(BIN)/ruff check pipeline tests

evaluate: $(STAMP) ## NER scores on the dev sets, tokenizer scores on UD GSD test, linking scores
	$(BIN)/entitas evaluate --corpora $(CORPORA) --json build/scores.json

bench: $(STAMP) ## Throughput and peak memory on ~1M tokens (BENCH_TOKENS=...), on a quiet machine
	$(BIN)/entitas bench --tokens $(or $(BENCH_TOKENS),1000000) --corpora $(CORPORA)

bench-quick: $(STAMP) ## The same on 100,000 tokens
	$(BIN)/entitas bench --quick --corpora $(CORPORA)

bench-report: $(STAMP) ## The report of 1,000 news articles: size, time to open in headless Chromium, search
	$(BIN)/entitas bench --report-docs 1000 --corpora $(CORPORA) --json build/bench-report.json

bench-article: $(STAMP) ## Peak memory of one huge article (ARTICLE_MB=60) through the whole extraction
	$(BIN)/entitas bench --article-mb $(or $(ARTICLE_MB),60) --json build/bench-article.json

train-tokenizer: $(STAMP) ## Retrain the Stanza tokenizer + MWT models into models/tokenizer
	OMP_NUM_THREADS=$(TRAIN_THREADS) $(BIN)/entitas -v train tokenizer --corpora $(CORPORA)

pretrain: $(STAMP) ## Learn floret vectors (models/vectors) and the casing lexicon (models/casing.npz) from the raw text
	$(BIN)/entitas -v train pretrain --corpora $(CORPORA)

train-ner: $(STAMP) ## Retrain the spaCy NER model into models/ner
	OMP_NUM_THREADS=$(TRAIN_THREADS) $(BIN)/entitas -v train ner --corpora $(CORPORA) \
		--gazetteers $(CORPORA)/gazetteers/dbpedia-id/original-dbpedia,$(CORPORA)/gazetteers/dbpedia-id/mdee_gazetteer

clean: ## Remove outputs, built wheels and training scratch files (keeps .venv and models)
	rm -rf $(OUT) build dist
