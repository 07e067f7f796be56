# swiftlet — the two commands of the README are `sudo make up` and `sudo make test`.
SHELL := /bin/bash
DATA_DIR ?= /var/lib/swiftlet
API_PORT ?= 6443
SWIFT ?= swift
# Debian packages the build and the tests need.
DEBS := libsqlite3-dev openssl curl python3 python3-yaml

.PHONY: deps build release up down test unit e2e bench clean

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@python3 -c 'import pytest, yaml' 2>/dev/null || python3 -m pip install -q pytest pyyaml

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Bring up a node: build release, install the binary, start the server in the background, wait until it serves.
up: release
	install -m 0755 .build/release/swiftlet /usr/local/bin/swiftlet
	@mkdir -p $(DATA_DIR)
	@if [ -f $(DATA_DIR)/swiftlet.pid ] && kill -0 $$(cat $(DATA_DIR)/swiftlet.pid) 2>/dev/null; then \
		echo "swiftlet already running (pid $$(cat $(DATA_DIR)/swiftlet.pid))"; \
	else \
		nohup /usr/local/bin/swiftlet server --data-dir $(DATA_DIR) --api-port $(API_PORT) >>$(DATA_DIR)/swiftlet.log 2>&1 & \
		echo $$! > $(DATA_DIR)/swiftlet.pid; \
	fi
	@for i in $$(seq 1 120); do \
		if [ -f $(DATA_DIR)/admin.kubeconfig ] && kubectl --kubeconfig $(DATA_DIR)/admin.kubeconfig get --raw /readyz >/dev/null 2>&1; then \
			echo "swiftlet is up. Use it with:"; echo "export KUBECONFIG=$(DATA_DIR)/admin.kubeconfig"; exit 0; fi; sleep 0.5; done; \
	echo "swiftlet did not become ready; see $(DATA_DIR)/swiftlet.log"; tail -20 $(DATA_DIR)/swiftlet.log; exit 1

down:
	@if [ -f $(DATA_DIR)/swiftlet.pid ]; then kill $$(cat $(DATA_DIR)/swiftlet.pid) 2>/dev/null || true; rm -f $(DATA_DIR)/swiftlet.pid; fi
	@echo "swiftlet stopped"

# Every test: unit tests of the pure parts, then the end-to-end tests with the real kubectl.
test: build unit e2e

unit:
	$(SWIFT) test --skip-build 2>&1 | tail -n 40; exit $${PIPESTATUS[0]}

e2e:
	SWIFTLET_BIN=$(CURDIR)/.build/debug/swiftlet python3 -m pytest -q tests/e2e

bench: release
	python3 bench/run.py

clean:
	rm -rf .build
