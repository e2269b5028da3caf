# Vigil: the two commands of the README, and a few helpers.
#   make run   installs what is missing, builds release, serves the API on 127.0.0.1:3005
#              (training the default model into vigil-data/model on first start)
#   make test  installs what is missing, checks formatting, builds and runs every test

DATA_DIR ?= vigil-data
MODEL    ?= $(DATA_DIR)/model
VIGIL     = .build/release/vigil

.PHONY: run demo test deps release format lint build-tests keras-import-check bench bench-http quality

deps:
	@scripts/install-deps.sh

release: deps
	swift build -c release --product vigil

run: release
	$(VIGIL) serve --data-dir "$(DATA_DIR)"

demo: release
	@if [ ! -f "$(MODEL)/model.json" ]; then \
		echo "No model at $(MODEL): training the default model on the seed's synthetic profile (50,000 rows)..."; \
		$(VIGIL) train --synthetic 50000 --out "$(MODEL)"; \
	fi
	@echo "== Detection quality on a fresh labeled draw of the seed's generator (20,000 rows, seed 7)"
	@$(VIGIL) evaluate --model "$(MODEL)" --synthetic 20000 --data-seed 7
	@echo "== Scores for examples/demo.csv"
	@$(VIGIL) score --model "$(MODEL)" examples/demo.csv

lint:
	swift format lint --strict --recursive Package.swift Sources Tests

format:
	swift format format --in-place --recursive Package.swift Sources Tests

build-tests:
	@scripts/install-deps.sh --tests
	swift build --build-tests

test: lint build-tests keras-import-check
	swift test --skip-build --disable-xctest

# The importer must reproduce the committed fixture bundle's weights byte for byte.
keras-import-check:
	@scripts/check-keras-import.sh

bench: release
	$(VIGIL) bench

bench-http: release
	scripts/bench-http.sh

# The detection-quality suite on the benchmark data (DATA=../shared/data by default): QUALITY.md.
DATA ?= ../shared/data
quality: release
	$(VIGIL) quality "$(DATA)" --out QUALITY.md
