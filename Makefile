# Two commands: `make run` (the main job) and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
# JupyterLab refuses to start as root unless told (containers and CI machines run as root).
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: run test lab app bench clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changes; the stamps record what was installed.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test]"
	touch $@ $(VENV)/.installed-run

## run: execute every curated notebook headless and write outputs under data/
run: $(VENV)/.installed-run
	$(PY) -m workbench run

## test: the whole test suite
test: $(VENV)/.installed-test
	$(PY) -m pytest

## lab: open JupyterLab on the notebooks
lab: $(VENV)/.installed-run
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $(LAB_ROOT_FLAG)

## app: the explorers as a dashboard without code (Voilà), on 127.0.0.1; open the URL it prints (with its token)
app: $(VENV)/.installed-run
	$(PY) -m workbench app

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e ".[test,bench]"
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

## bench: speed and memory measurements, written to bench/results.json
bench: $(VENV)/.installed-bench
	$(PY) bench/run.py

clean-venv:
	rm -rf $(VENV)
