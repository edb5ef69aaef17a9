# The mastocytosis assistant: `make run` and `make test` do all of their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3.11
VENV        := .venv
BIN         := $(VENV)/bin
PY          := $(BIN)/python
RASA        := $(BIN)/rasa
MODEL       := models/mastobot.tar.gz
INDEX_STAMP := build/index/.stamp
WEB_STAMP   := web/node_modules/.installed

ACTIONS_PORT ?= 5055
RASA_PORT    ?= 5005
WEB_PORT     ?= 8080
# Browser origins allowed to talk to Rasa (space-separated; * for any): by default only the chat
# page's own. Passed to `rasa run --cors`; bot/channels.py checks websockets against it too.
CORS_ORIGINS ?= http://localhost:$(WEB_PORT) http://127.0.0.1:$(WEB_PORT)
export CORS_ORIGINS

# Every command runs offline and without Rasa's telemetry.
export RASA_TELEMETRY_ENABLED := false
export SENTRY_DSN :=
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook
# Where conversations (and feedback) are stored: bot/endpoints.yml's SQLite tracker store.
export TRACKER_DB ?= $(CURDIR)/var/conversations.db

# Telegram (bot/telegram.py) is on only when TELEGRAM_ACCESS_TOKEN is set: Rasa then reads
# build/credentials.yml, which is bot/credentials.yml plus the Telegram block (docs/telegram.md).
export TELEGRAM_API_URL ?= https://api.telegram.org
CREDENTIALS := $(if $(strip $(TELEGRAM_ACCESS_TOKEN)),build/credentials.yml,bot/credentials.yml)

# The turn-kind and unknowable-kind examples train the action server's classifiers, not Rasa.
CLASSIFIER_EXAMPLES := nlu_data/turn_kinds.yml nlu_data/unknowable_kinds.yml
TRAINING_DATA := config.yml bot/domain.yml bot/stories.yml bot/rules.yml \
  $(filter-out $(CLASSIFIER_EXAMPLES),$(wildcard nlu_data/*.yml)) \
  bot/components.py bot/entity_resolver.py bot/safety.py \
  $(addprefix actions/understanding/,text_classifier.py sanitize.py scope.py context.py words.py)
RASA_PATHS    := --config config.yml --domain bot/domain.yml --data bot/stories.yml bot/rules.yml nlu_data
RUN_ACTIONS   := $(PY) -m actions.server --port $(ACTIONS_PORT)
# bot.serve is `rasa run`, plus --enable-api --auth-token only when RASA_AUTH_TOKEN is set.
RUN_RASA      := $(PY) -m bot.serve --model $(MODEL) --endpoints bot/endpoints.yml \
                 --credentials $(CREDENTIALS) --port $(RASA_PORT) --cors $(CORS_ORIGINS)

.PHONY: help setup venv train index web browser run test lint format pytest check-knowledge \
        validate test-stories eval-retrieval retrieval-floor eval-nlu eval bench gaps soak clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/lock.txt requirements/rasa.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps -r requirements/lock.txt
	# Rasa 3.6 declares Python <3.11 but runs on 3.11 (docs/operating.md); only it skips that check.
	$(BIN)/pip install --quiet --no-deps --ignore-requires-python -r requirements/rasa.txt
	touch $@

venv: $(VENV)/.installed ## Create the virtualenv and install the locked dependencies

# The emergency alert is rendered from the one steps file (knowledge/shared/emergency-steps.md).
bot/domain.yml: knowledge/shared/emergency-steps.md scripts/render_emergency.py | $(VENV)/.installed
	$(PY) -m scripts.render_emergency

# --force: Rasa's training cache knows config and data, not our components' code.
$(MODEL): $(VENV)/.installed $(TRAINING_DATA)
	$(RASA) train $(RASA_PATHS) --force --out models --fixed-model-name mastobot
	touch $@

train: $(MODEL) ## Train the Rasa model if config, domain or data changed

$(INDEX_STAMP): $(VENV)/.installed $(wildcard knowledge/*.md knowledge/shared/*.md) actions/knowledge_base/documents.py actions/knowledge_base/index.py
	$(PY) -m scripts.build_index
	touch $@

index: $(INDEX_STAMP) ## Build the knowledge index if knowledge/ changed

# --include=dev: axe-core, which the browser test injects, even where NODE_ENV=production.
$(WEB_STAMP): web/package.json web/package-lock.json
	npm ci --prefix web --include=dev --no-audit --no-fund --loglevel=error
	touch $@

web: $(WEB_STAMP) ## Install the chat widget (rasa-webchat) and axe-core from npm

browser: ## Install Debian's chromium for the browser test (as root, with apt)
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

setup: venv train index web ## Everything run and test need

build/credentials.yml: bot/credentials.yml bot/telegram_credentials.py $(VENV)/.installed
	$(PY) -m bot.telegram_credentials $< $@

# What `make run`'s first screen tells a newcomer to ask, once everything is ready.
TRY_QUESTIONS := --try 'What causes mastocytosis?' --try 'Is it inherited?'

# Quiet: each service's start, URL and readiness, and warnings; LOG_LEVEL=debug shows everything.
run: setup $(CREDENTIALS) ## Start the action server, Rasa (REST + socket.io) and the chat page; Ctrl-C stops all
	@$(PY) -m scripts.preflight
	@mkdir -p "$(dir $(TRACKER_DB))"
	@$(PY) -m scripts.run_stack \
	  --service actions 'http://127.0.0.1:$(ACTIONS_PORT)/health' '$(RUN_ACTIONS)' \
	  --service rasa 'http://127.0.0.1:$(RASA_PORT)/' '$(RUN_RASA)' \
	  --service web 'http://127.0.0.1:$(WEB_PORT)/' '$(PY) -m scripts.serve_web --port $(WEB_PORT)' \
	  --open 'http://localhost:$(WEB_PORT)/' $(TRY_QUESTIONS)

lint: venv ## ruff lint and format check
	$(BIN)/ruff check actions bot scripts tests
	$(BIN)/ruff format --check actions bot scripts tests

format: venv ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix actions bot scripts tests
	$(BIN)/ruff format actions bot scripts tests

pytest: setup browser ## Unit, integration, REST and browser tests
	$(PY) -m pytest

check-knowledge: venv ## Check knowledge/ for editors: front matter, review dates, questions, repeats, emergency steps
	$(PY) -m scripts.check_knowledge knowledge

validate: venv ## rasa data validate
	$(RASA) data validate $(RASA_PATHS) --fail-on-warnings

test-stories: setup ## Rasa test stories and held-out NLU examples
	$(RASA) test --model $(MODEL) --domain bot/domain.yml --stories tests/test_stories.yml \
	  --nlu tests/test_nlu.yml --endpoints bot/endpoints.yml --out reports/rasa-test \
	  --fail-on-prediction-errors

eval-retrieval: setup ## Retrieval benchmark: recall@k and MRR against dense-only and BM25-only
	$(PY) -m scripts.eval_retrieval

retrieval-floor: setup ## Fail if retrieval recall@3 fell below tests/retrieval_floor.json
	$(PY) -m scripts.eval_retrieval --floor tests/retrieval_floor.json

eval-nlu: setup ## NLU 5-fold cross-validation + held-out test set -> reports/nlu.json
	$(RASA) test nlu --nlu nlu_data --config config.yml --cross-validation --folds 5 \
	  --out reports/nlu-cv
	$(RASA) test nlu --model $(MODEL) --nlu tests/test_nlu.yml --out reports/nlu-held-out
	$(PY) -m scripts.summarise_nlu reports/nlu-cv reports/nlu-held-out reports/nlu.json

eval: setup ## Every quality measure (NLU and classifier CV, retrieval, stories, answer sets) -> docs/evaluation.md
	$(PY) -m scripts.evaluate

bench: setup ## Question/greeting cost, long conversations, start-up, build, memory -> reports/bench.md (~5 min)
	$(PY) -m scripts.bench

.PHONY: test-scale
# Installs postgresql and redis-server with apt-get if missing (root only; skipped, saying so,
# where that cannot be done); docs/deploying.md.
test-scale: setup ## 2 Rasa + 2 action servers on PostgreSQL + Redis: 20 chats, one replica killed
	$(PY) -m scripts.scale_test

test: lint check-knowledge validate pytest test-stories retrieval-floor test-scale ## Everything CI runs

gaps: venv ## Questions not answered or rated not helpful, by nearest topic (TRACKER_DB) -> reports/gaps.md
	$(PY) -m scripts.gaps $(if $(DB_URL),--db-url '$(DB_URL)')

soak: setup ## 8 conversations at once for SOAK_SECONDS (600) on a fresh stack: errors, memory
	$(PY) -m scripts.soak

clean: ## Remove trained models, the index and reports (keeps the virtualenv)
	rm -rf models build reports .rasa
