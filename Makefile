# Two commands on a fresh machine with Python 3.11+:
#   make run    create/refresh .venv with the app's requirements and start the app
#   make test   same venv plus the test tools; run the whole suite (lib, app, browser)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ARTIFACTS ?= artifacts
PORT ?= 8501

.PHONY: run test test-fast bench samples dataset clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.app-installed

run: $(VENV)/.app-installed
	$(VENV)/bin/streamlit run Home.py --server.port $(PORT)

# Tests never touch the network: hub libraries are forced offline.
# Browser screenshots of every page are written to $(ARTIFACTS)/screenshots.
test: $(VENV)/.dev-installed
	mkdir -p $(ARTIFACTS)/screenshots
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
	SCREENSHOT_DIR=$(ARTIFACTS)/screenshots \
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: $(VENV)/.dev-installed
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -n 2 --dist loadfile -m "not e2e"

bench: $(VENV)/.dev-installed
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# A demo speech-enhancement dataset: espeak-ng speech, synthetic noise, the default spec, on a
# local Dask cluster (one worker per core). Rerun to resume; see README "Speech data generator".
DATASET_N ?= 200
dataset: $(VENV)/.app-installed
	$(PY) -m pipeline.generate --speech demo --out $(ARTIFACTS)/dataset --n $(DATASET_N) --seed 0

samples: $(VENV)/.app-installed
	$(PY) samples/make_samples.py
	$(PY) samples/make_talker_speech.py
	$(PY) samples/make_sync_sample.py

clean:
	rm -rf $(VENV) $(ARTIFACTS) .pytest_cache
