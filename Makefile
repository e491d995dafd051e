# NRM Monitor. `make run` sets everything up on a fresh machine and serves the demo;
# `make test` installs what the tests need and runs them.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Debian packages the tests need: a real headless Chromium for the browser tests.
TEST_DEBS := chromium

.PHONY: install run test test-fast bench lint translations system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/monitor db upgrade
	$(BIN)/monitor demo --if-empty
	$(BIN)/monitor run --host $(HOST) --port $(PORT)

# Installs missing Debian packages when run as root; otherwise says what to install.
system-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Please install these Debian packages first:$$missing (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but the tests marked slow (the 50-seed recovery, the coverage simulations and the
# browser tests): for the edit-test loop. CI runs `make test`.
test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The interface catalogues (monitor/i18n.py lists them): extract the marked strings, update the
# Ukrainian and Russian .po files (then translate what is new in them) and compile the .mo files.
CATALOGUES := monitor monitor/registry monitor/fieldwork monitor/fieldwork/respondent surveys
BABEL_HEADER := --project "NRM Monitor" --version 0.1 --copyright-holder "NRM Monitor" \
	--msgid-bugs-address "NRM Monitor team"
translations: install
	@for d in $(CATALOGUES); do \
	  echo "catalogue $$d"; \
	  $(BIN)/pybabel extract -F $$d/babel.cfg --no-location --sort-output $(BABEL_HEADER) \
	    -o $$d/messages.pot . || exit 1; \
	  for l in uk ru; do \
	    if [ -f $$d/translations/$$l/LC_MESSAGES/messages.po ]; then \
	      $(BIN)/pybabel update -i $$d/messages.pot -d $$d/translations -l $$l \
	        --no-fuzzy-matching --ignore-obsolete || exit 1; \
	    else \
	      $(BIN)/pybabel init -i $$d/messages.pot -d $$d/translations -l $$l || exit 1; \
	    fi; \
	  done; \
	  $(BIN)/pybabel compile -f -d $$d/translations || exit 1; \
	done

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
