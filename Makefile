# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

# The interpreter for the virtual environment: PYTHON if given, else the first of these that
# is a supported Python (pyproject.toml's requires-python). `python3` comes first because it
# is the one this machine is set up with; after it the newest release, which is supported
# longest. A name that does not run (a pyenv shim for a version not selected) is passed over.
CANDIDATES := python3 python3.13 python3.12 python3.11
# `$(call supported,CMD)` is CMD if `CMD --version` says "Python 3.11.x", "3.12.x" or "3.13.x".
supported = $(and $(1),$(filter 3.11.% 3.12.% 3.13.%,\
	$(word 2,$(shell $(1) --version 2>/dev/null))),$(1))
PYTHON ?= $(firstword $(foreach candidate,$(CANDIDATES),$(call supported,$(candidate))))
no_python = $(if $(PYTHON),$(PYTHON) is not,Found no) Python 3.11, 3.12 or 3.13: install one \
	or name it with PYTHON=/path/to/python

.PHONY: run test format

run: $(VENV)/.installed
	$(BIN)/bcft start

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# torch is installed first and pinned: on Python 3.11 the CPU wheel this machine keeps, never
# a newer multi-GB CUDA build (on 3.12 and 3.13 PyPI's 2.13.0 brings CUDA libraries, unused).
$(VENV)/.installed: pyproject.toml
	$(if $(call supported,$(PYTHON)),,$(error $(no_python)))
	@echo "Using $(PYTHON) ($(shell $(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@
