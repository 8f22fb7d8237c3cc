# GoLab. A bare `make` lists the targets.
SHELL      := /bin/bash
GO         ?= go
VENV       ?= .venv
PY         := $(VENV)/bin/python
BIN        := bin/golab
REQS       := internal/jupytertest/requirements.txt
TEST_OUT   ?= bench/out
GOTESTFLAGS ?= -race -timeout 20m

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@echo "GoLab make targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/golab
	$(GO) build -o $(BIN) ./cmd/golab

$(VENV)/.stamp: $(REQS) $(wildcard install/papermill_golab/*.toml install/papermill_golab/papermill_golab/*.py)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r $(REQS)
	touch $@

.PHONY: venv
venv: $(VENV)/.stamp ## create the Python virtualenv with the pinned Jupyter tools

.PHONY: install
install: build venv ## install the "Go (GoLab)" kernelspec into the virtualenv
	$(BIN) install --prefix $(VENV)

.PHONY: run
run: build ## build, install the kernel and start JupyterLab on notebooks/
	@if command -v jupyter-lab >/dev/null 2>&1; then \
		$(BIN) install --user && jupyter lab --ip 127.0.0.1 --notebook-dir notebooks; \
	else \
		$(MAKE) install && $(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks; \
	fi

.PHONY: test
test: install ## run every test: go test -race ./... and the Jupyter integration tests
	$(GO) vet ./...
	GOLAB_BIN=$(abspath $(BIN)) GOLAB_VENV=$(abspath $(VENV)) $(GO) test $(GOTESTFLAGS) ./...
	GOLAB_BIN=$(abspath $(BIN)) JUPYTER_PATH=$(abspath $(VENV))/share/jupyter \
		$(PY) -m pytest -q -p no:cacheprovider internal/jupytertest
	$(MAKE) test-browser

.PHONY: test-browser
test-browser: install ## real browser: JupyterLab + headless Chromium run notebooks/02-sales-analysis.ipynb (screenshots in $(TEST_OUT)/browsertest)
	GOLAB_VENV=$(abspath $(VENV)) JUPYTER_PATH=$(abspath $(VENV))/share/jupyter \
		TEST_OUT=$(abspath $(TEST_OUT)) internal/browsertest/run.sh

.PHONY: check
check: ## gofmt, vet, import rule, and no diff from go mod tidy / go generate
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) test ./internal/lint/
	$(GO) mod tidy && git diff --exit-code go.mod go.sum
	$(GO) generate ./... && git diff --exit-code

.PHONY: bench
bench: bench-kernel bench-dataframe bench-cluster ## run every benchmark

.PHONY: bench-kernel
bench-kernel: install ## kernel round trip and start-up vs ipykernel
	GOLAB_BIN=$(abspath $(BIN)) JUPYTER_PATH=$(abspath $(VENV))/share/jupyter $(PY) bench/kernel/bench_kernel.py

.PHONY: bench-dataframe
bench-dataframe: ## db-benchmark at 1e7 rows: GoLab vs Polars, DuckDB, pandas -> bench/out/dbbench.csv
	bench/dbbench/run.sh --rows 1e7

.PHONY: bench-dataframe-smoke
bench-dataframe-smoke: ## the same at 1e6 rows (about 1.5 min)
	bench/dbbench/run.sh --rows 1e6 --out bench/out/dbbench-smoke

.PHONY: bench-cluster
bench-cluster: ## group-by q1-q10: GoLab local vs 1/2 workers vs Spark vs Dask at 1e7 rows + transport throughput -> bench/out/cluster.csv
	bench/cluster/run.sh --rows 1e7

.PHONY: bench-cluster-smoke
bench-cluster-smoke: ## the same at 1e6 rows (about 3 min)
	bench/cluster/run.sh --rows 1e6 --out bench/out/cluster-smoke

.PHONY: clean
clean: ## remove build outputs (keeps the virtualenv)
	rm -rf bin bench/out
