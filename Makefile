# Civic — two commands: `make run` (set up and serve the demo city) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEBIAN_PACKAGES := libgdal32 gettext chromium
BUILD := static/build
GOVUK := node_modules/govuk-frontend/dist/govuk

.PHONY: run setup test fuzz lint bench system venv assets messages migrate seed lock clean

run: setup ## Set up, then serve web + worker + beat at http://127.0.0.1:8000 (Ctrl-C stops all)
	@echo "Civic demo city: http://127.0.0.1:8000  (accounts: var/demo-credentials.txt)"
	$(VENV)/bin/honcho start -f Procfile --port 8000

setup: system venv assets messages migrate seed ## Everything `run` does, without serving (idempotent)

system: ## Debian packages the project needs (installed when root, else the exact command is printed)
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	touch $@

assets: $(BUILD)/.built ## The design system: Sass compiled, GOV.UK Frontend's script copied (static/build/)

# npm ci runs again only when the lock changed.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUILD)/.built: node_modules/.installed $(wildcard static/scss/*.scss)
	mkdir -p $(BUILD)
	node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules static/scss/civic.scss $(BUILD)/civic.css
	cp $(GOVUK)/govuk-frontend.min.js $(GOVUK)/govuk-frontend.min.js.map $(BUILD)/
	# Maps and the address autocomplete, from the same lock (never vendored elsewhere).
	mkdir -p $(BUILD)/leaflet $(BUILD)/autocomplete $(BUILD)/pmtiles
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(BUILD)/leaflet/
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js.map node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css $(BUILD)/autocomplete/
	cp node_modules/pmtiles/dist/pmtiles.js node_modules/protomaps-leaflet/dist/protomaps-leaflet.js $(BUILD)/pmtiles/
	node -e "for (const n of ['govuk-frontend', 'leaflet', 'accessible-autocomplete', 'pmtiles', 'protomaps-leaflet']) { const p = JSON.parse(require('fs').readFileSync('node_modules/' + n + '/package.json')); console.log(p.name + ' ' + p.version + ', ' + p.license + ' licence: ' + (p.homepage || (p.repository && (p.repository.url || p.repository)) || 'https://www.npmjs.com/package/' + n)); }" > $(BUILD)/LICENCES.txt
	touch $@

messages: venv ## Compile the French and English translations
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules -v 0

migrate: venv
	$(PY) manage.py migrate --no-input -v 0

seed: venv
	$(PY) manage.py seed_demo

# The suite in two passes: everything but the browser tests on two processes (pytest-xdist),
# then the browser tests one at a time (each drives a chromium beside a live server).
# PYTEST_ARGS narrows both (a path, -k ...); the slowest tests are printed.
TEST_WORKERS ?= 2

test: system venv assets messages ## The whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -m "not browser" -n $(TEST_WORKERS) \
	  --durations=15 $(PYTEST_ARGS); status=$$?; [ $$status = 0 ] || [ $$status = 5 ] || exit $$status
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -m browser --durations=15 $(PYTEST_ARGS); \
	  status=$$?; [ $$status = 0 ] || [ $$status = 5 ] || exit $$status

fuzz: system venv assets messages ## The property-based tests, long and random (CI runs a short fixed set)
	CIVIC_FUZZ_EXAMPLES=$${CIVIC_FUZZ_EXAMPLES:-5000} DJANGO_ALLOW_ASYNC_UNSAFE=true \
	  $(VENV)/bin/pytest -p no:randomly -q $$(ls tests/*/test_*fuzz*.py) $(PYTEST_ARGS)

lint: venv ## ruff (lint and format), mypy, and the layering contracts (Python and templates)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m civic.layering

bench: setup ## Benchmarks in bench/, printing figures (bench/budgets_oracle.py regenerates test data: run it by hand)
	@for f in bench/*.py; do case "$$f" in */__init__.py|*/budgets_oracle.py) continue;; esac; \
	  echo "== $$f"; $(PY) $$f || exit 1; done

lock: venv ## Recompile the locks from pyproject.toml
	$(VENV)/bin/uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 -q
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --python-version 3.11 -q

clean:
	rm -rf $(VENV) var node_modules $(BUILD)
