# Labmate: `make run` starts the app, `make test` runs every test. `make help` lists the rest.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# uv: the one on PATH, else ~/.local/bin/uv, else pip installs it there (no root needed).
UV := $(or $(shell command -v uv 2>/dev/null),$(HOME)/.local/bin/uv)
# Install exactly what uv.lock pins (never re-lock) and never download a Python build:
# .python-version asks for 3.13, which uv finds on PATH (pyenv shims here).
export UV_FROZEN := 1
export UV_PYTHON_DOWNLOADS := never
export PYTHONUNBUFFERED := 1

# Local state (SQLite database, broker, cache, mail, beat schedule) lives here.
export LABMATE_VAR_DIR := $(abspath $(or $(LABMATE_VAR_DIR),var))
VAR_DIRS := $(addprefix $(LABMATE_VAR_DIR)/,broker/out broker/processed broker/control cache mail)
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
MANAGE := $(UV) run python manage.py
PYTEST_ARGS ?=
# makemessages skips what is not product code; scripts/check_messages.py uses the same list.
MESSAGES_IGNORE := --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'

.PHONY: help sync run test lint messages-check bench messages clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(HOME)/.local/bin/uv:
	python3 -m pip install --user --quiet uv

sync: | $(UV) ## Build .venv from uv.lock (dev tools included).
	$(UV) sync --frozen

$(VAR_DIRS):
	mkdir -p $@

run: sync $(VAR_DIRS) ## Migrate, seed the demo lab, start web + worker + beat.
	$(LOCAL) $(MANAGE) migrate --noinput
	$(LOCAL) $(MANAGE) seed_demo
	@echo
	@echo "  Labmate is starting at http://127.0.0.1:8000/  (log in with a demo account above; Ctrl-C stops web, worker and beat)"
	@echo
	$(LOCAL) $(UV) run honcho --procfile Procfile.dev start

test: sync ## Run the whole test suite (SQLite, or DATABASE_URL / REDIS_URL when set).
	DJANGO_SETTINGS_MODULE=config.settings.test $(UV) run pytest $(PYTEST_ARGS)

lint: sync $(LABMATE_VAR_DIR)/cache ## ruff, mypy, migrations, deploy checks, API schema, translations.
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy .
	$(LOCAL) $(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(UV) run python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
	ALLOWED_HOSTS=labmate.example.com \
	DATABASE_URL=postgres://labmate:unused@127.0.0.1:5432/labmate EMAIL_HOST=smtp.example.com \
	$(MANAGE) check --deploy --fail-level WARNING
	$(LOCAL) $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	@$(MAKE) messages-check

messages-check: sync ## Fail if the ko/en catalogues miss strings or are not compiled.
	$(UV) run python scripts/check_messages.py

bench: sync ## Run the benchmark harness.
	$(UV) run python bench/run.py

messages: sync ## Update locale/{ko,en} catalogues and compile them.
	mkdir -p locale
	$(LOCAL) $(MANAGE) makemessages --no-obsolete -l ko -l en $(MESSAGES_IGNORE)
	@# English msgids are the English text: drop gettext's fuzzy guesses, then msgen copies
	@# each msgid into its empty msgstr.
	msgattrib --clear-fuzzy --empty locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	msgen locale/en/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po
	$(LOCAL) $(MANAGE) compilemessages -l ko -l en --ignore '.venv' --ignore 'var'

clean: ## Delete local state under $LABMATE_VAR_DIR (database, broker, cache, mail) and tool caches.
	rm -rf -- "$(LABMATE_VAR_DIR)/labmate.sqlite3" "$(LABMATE_VAR_DIR)"/labmate.sqlite3-* \
		"$(LABMATE_VAR_DIR)/test.sqlite3" "$(LABMATE_VAR_DIR)/broker" "$(LABMATE_VAR_DIR)/cache" \
		"$(LABMATE_VAR_DIR)/mail" "$(LABMATE_VAR_DIR)/staticfiles" "$(LABMATE_VAR_DIR)"/celerybeat-schedule*
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis test-results
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
