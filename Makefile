# Two commands: `make run` (the main job) and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
# JupyterLab refuses to start as root unless told (containers and CI machines run as root).
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: run test check lab app bench lock clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# Everything is installed from the locks in requirements/ (exact versions, sha256-checked), then the package
# itself without dependencies. Re-install only when a lock or pyproject.toml changes; stamps record what was done.
$(VENV)/.installed-run: requirements/run.lock pyproject.toml | $(PY)
	$(PIP) install --require-hashes -r requirements/run.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements/test.lock pyproject.toml | $(PY)
	$(PIP) install --require-hashes -r requirements/test.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.installed-run

## run: execute every curated notebook headless and write outputs under data/
run: $(VENV)/.installed-run
	$(PY) -m workbench run

## test: the whole test suite
test: $(VENV)/.installed-test
	$(PY) -m pytest -n auto --dist loadgroup

## check: the inner loop: lint and the unit tests, without kernels or browsers (a fifth of the property examples)
check: $(VENV)/.installed-test
	$(PY) -m ruff check workbench tests bench
	WORKBENCH_PROPERTIES_SCALE=0.2 $(PY) -m pytest -n auto -m "not slow and not browser" -q

## lab: open JupyterLab on the notebooks
lab: $(VENV)/.installed-run
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $(LAB_ROOT_FLAG)

## app: the explorers as a dashboard without code (Voilà), on 127.0.0.1; open the URL it prints (with its token)
app: $(VENV)/.installed-run
	$(PY) -m workbench app

$(VENV)/.installed-bench: requirements/bench.lock pyproject.toml | $(PY)
	$(PIP) install --require-hashes -r requirements/bench.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

## bench: speed and memory measurements, written to bench/results.json
bench: $(VENV)/.installed-bench
	$(PY) bench/run.py

## lock: re-resolve every dependency from pyproject.toml's ranges into requirements/*.lock (needs the network)
lock: | $(PY)
	$(PIP) install "pip-tools>=7.4"
	$(PY) -m piptools compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url --upgrade --extra test -o requirements/test.lock pyproject.toml
	$(PY) -m piptools compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url -c requirements/test.lock -o requirements/run.lock pyproject.toml
	$(PY) -m piptools compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url --extra test --extra bench -c requirements/test.lock -o requirements/bench.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)
