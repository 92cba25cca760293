# One-command entry points. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, train the model when the training data changed, and migrate/seed the database.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
PG_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/test

# python3.10: on PATH, or the pyenv build (the pyenv shim exists even when 3.10 is not selected).
PYTHON310 := $(shell for p in python3.10 $$(ls -d $$HOME/.pyenv/versions/3.10*/bin/python3.10 2>/dev/null | sort -V | tail -1); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)

.PHONY: setup run test test-fast test-pg train eval-nlu bench validate clean

# The reply catalogues, compiled from replies/locale/<lang>/LC_MESSAGES/muqeem.po (see replies/__init__.py).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard replies/locale/*/LC_MESSAGES/muqeem.po))

setup: $(VENV)/.installed $(CATALOGUES)

replies/locale/%/LC_MESSAGES/muqeem.mo: replies/locale/%/LC_MESSAGES/muqeem.po $(VENV)/.installed
	$(BIN)/pybabel compile -D muqeem -d replies/locale -l $*

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is needed (Rasa 3.6 supports nothing newer)"; exit 1; }
	@# HAProxy balances `muqeem servers --replicas N` (and its test); Debian's package.
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; \
		else echo "note: HAProxy is missing (sudo apt-get install haproxy) - needed only for --replicas"; fi; }
	@# Tesseract reads passport photos (frontends/passport/passport_ocr.py); OCR-B renders the tests' passports. Debian's packages.
	@command -v tesseract >/dev/null && test -e /usr/share/fonts/opentype/ocr-b/OCRB.otf || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr fonts-ocr-b >/dev/null; \
		else echo "note: sudo apt-get install tesseract-ocr fonts-ocr-b - needed for passport photos and their tests"; fi; }
	test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip<25" setuptools wheel
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Train only when config, domain or training data changed (fingerprint kept beside the model).
train: setup
	@$(BIN)/python scripts/train_if_changed.py

run: setup train
	$(BIN)/muqeem db upgrade
	$(BIN)/muqeem demo seed --if-empty
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(BIN)/muqeem bot; else $(BIN)/muqeem chat; fi

validate: setup
	$(BIN)/rasa data validate --fail-on-warnings

# The whole suite: ruff (pyflakes rules, format check), every pytest suite on SQLite, the database-facing suites again on PostgreSQL,
# then the Rasa checks (data validation, test stories against the trained model).
test: setup train
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider
	MUQEEM_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider tests/domain tests/dialogue
	$(BIN)/rasa data validate --fail-on-warnings
	$(BIN)/rasa test core --stories tests/stories -m models/ --fail-on-prediction-errors --out results/core_test

test-fast: setup
	$(BIN)/python -m pytest -q -x tests/domain

eval-nlu: setup
	$(BIN)/python scripts/eval_nlu.py

bench: setup train
	$(BIN)/python scripts/bench.py

clean:
	rm -rf models/ var/ .pytest_cache
