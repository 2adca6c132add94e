# Two entry points that work on a fresh machine with Python 3.11 and make:
#   make run [ARGS="..."]   set up .venv if needed and start the GUI on the bundled sample campaign
#   make test               set up/refresh .venv and run the whole test suite offscreen
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test venv bench sample clean installer

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) main.py $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

sample: $(STAMP)
	$(PY) -m shm_app.sample resources/sample

# the peers (koma-python, pyOMA2) pull in pandas, vtk, pyvista...: they get an environment of their own
BENCH := .venv-bench/bin/python
bench:
	test -x $(BENCH) || $(PYTHON) -m venv .venv-bench
	$(BENCH) -m pip install --quiet -e ".[test,bench]"
	$(BENCH) benchmarks/bench_csv_read.py
	$(BENCH) benchmarks/bench_identify.py
	$(BENCH) benchmarks/bench_memory.py
	$(BENCH) benchmarks/bench_campaign.py
	$(BENCH) benchmarks/bench_campaign_workers.py
	$(BENCH) benchmarks/bench_uncertainty.py
	$(BENCH) benchmarks/bench_multisetup.py
	$(BENCH) benchmarks/bench_detection.py
	$(BENCH) benchmarks/bench_huge.py
	QT_QPA_PLATFORM=offscreen $(BENCH) benchmarks/bench_gui.py

# The desktop app (README, "Building the desktop app"): built from an environment holding the runtime dependencies
# only (no test extras: dask, pytest... would ride along), so build/venv is separate from .venv
BUILD_VENV := build/venv
BUILD_PY   := $(BUILD_VENV)/bin/python
installer:
	test -x $(BUILD_PY) || $(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_PY) -m pip install --quiet --upgrade pip
	$(BUILD_PY) -m pip install --quiet ".[seismic,installer]"
	$(BUILD_PY) -m PyInstaller --noconfirm --clean build_installer.spec
	@du -sh dist/shm-workbench | sed 's/^/bundle size: /'
	@du -s dist/shm-workbench/_internal/* | sort -rn | head -12 | awk '{printf "  %6.1f MB  %s\n", $$1 / 1024, $$2}'

clean:
	rm -rf $(VENV) build dist .pytest_cache
