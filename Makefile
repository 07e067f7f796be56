# swiftlet — the two commands of the README are `sudo make up` and `sudo make test`.
SHELL := /bin/bash
DATA_DIR ?= /var/lib/swiftlet
API_PORT ?= 6443
SWIFT ?= swift
# Debian packages the build and the tests need.
DEBS := libsqlite3-dev libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libnftables-dev libarchive-dev zlib1g-dev \
        libcurl4-openssl-dev \
        nftables iproute2 util-linux openssl ca-certificates curl bind9-dnsutils busybox-static nginx-light \
        docker-registry skopeo systemd python3 python3-yaml python3-pexpect
IMAGES := .build/images

PREFIX ?= /usr/local
# Where `install` takes the binaries from (a release build unless told otherwise).
BIN_DIR ?= .build/release

.PHONY: deps build release images up down install uninstall test unit e2e bench clean

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; rc=$$?; \
		rm -f /usr/sbin/policy-rc.d; exit $$rc; fi
	@python3 -c 'import pytest, yaml, pexpect, cryptography' 2>/dev/null || python3 -m pip install -q pytest pyyaml pexpect cryptography

build: deps
	$(SWIFT) build --build-tests

# The executables link the Swift runtime and Foundation statically (Docs/benchmarks.md, P3: fewer resident pages than
# the dynamic libraries; the static FoundationNetworking links libcurl by name, hence libcurl4-openssl-dev). Product by
# product: a package-wide build would also link GRDB's dynamic library product, which cannot take the static runtime.
# Debug builds (`build`, the tests) stay dynamic: they link faster.
RELEASE_PRODUCTS := swiftlet swiftlet-shim swiftlet-spawn-bench
release: deps
	@for p in $(RELEASE_PRODUCTS); do $(SWIFT) build -c release --static-swift-stdlib --product $$p || exit 1; done

# The tutorial's images, built from Debian packages as OCI archives (once; rebuilt when the recipes change).
images: deps
	@mkdir -p $(IMAGES)
	@if [ ! -f $(IMAGES)/.done ] || [ -n "$$(find rootfs-images -newer $(IMAGES)/.done -type f)" ]; then \
		bash rootfs-images/build.sh $(IMAGES) && touch $(IMAGES)/.done; fi

# Bring up a node: build release, install the binary, start the server in the background, wait until it serves.
up: release images
	install -m 0755 .build/release/swiftlet /usr/local/bin/swiftlet
	install -m 0755 .build/release/swiftlet-shim /usr/local/bin/swiftlet-shim
	@for a in $(IMAGES)/*.tar; do /usr/local/bin/swiftlet image import --data-dir $(DATA_DIR) $$a >/dev/null; done
	@mkdir -p $(DATA_DIR)
	@if [ -f $(DATA_DIR)/swiftlet.pid ] && kill -0 $$(cat $(DATA_DIR)/swiftlet.pid) 2>/dev/null; then \
		echo "swiftlet already running (pid $$(cat $(DATA_DIR)/swiftlet.pid))"; \
	else \
		nohup /usr/local/bin/swiftlet server --data-dir $(DATA_DIR) --api-port $(API_PORT) >>$(DATA_DIR)/swiftlet.log 2>&1 & \
		echo $$! > $(DATA_DIR)/swiftlet.pid; \
	fi
	@for i in $$(seq 1 120); do \
		if [ -f $(DATA_DIR)/admin.kubeconfig ] && kubectl --kubeconfig $(DATA_DIR)/admin.kubeconfig get nodes 2>/dev/null | grep -q " Ready "; then \
			echo "swiftlet is up. Use it with:"; echo "export KUBECONFIG=$(DATA_DIR)/admin.kubeconfig"; exit 0; fi; sleep 0.5; done; \
	echo "swiftlet did not become ready; see $(DATA_DIR)/swiftlet.log"; tail -20 $(DATA_DIR)/swiftlet.log; exit 1

# Stop the node and remove what it made on the host: pods, monitors, netns, veths, bridge, routes, nftables, mounts.
down:
	@if [ -f $(DATA_DIR)/swiftlet.pid ]; then kill $$(cat $(DATA_DIR)/swiftlet.pid) 2>/dev/null || true; \
		for i in $$(seq 1 30); do kill -0 $$(cat $(DATA_DIR)/swiftlet.pid) 2>/dev/null || break; sleep 0.5; done; rm -f $(DATA_DIR)/swiftlet.pid; fi
	@if [ -x /usr/local/bin/swiftlet ]; then /usr/local/bin/swiftlet reset --data-dir $(DATA_DIR); fi
	@echo "swiftlet stopped"

# Install for systemd: binaries, the unit (Type=notify, Delegate=yes, KillMode=process), the sysctls, the README.
# With DESTDIR set only files are written; without it the sysctls are applied and systemd is told, if it runs.
install:
	@test -x $(BIN_DIR)/swiftlet -a -x $(BIN_DIR)/swiftlet-shim || $(MAKE) release
	install -D -m 0755 $(BIN_DIR)/swiftlet $(DESTDIR)$(PREFIX)/bin/swiftlet
	install -D -m 0755 $(BIN_DIR)/swiftlet-shim $(DESTDIR)$(PREFIX)/bin/swiftlet-shim
	install -d -m 0755 $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/sysctl.d $(DESTDIR)$(PREFIX)/share/doc/swiftlet
	sed 's|/usr/local|$(PREFIX)|g' systemd/swiftlet.service > $(DESTDIR)/etc/systemd/system/swiftlet.service
	chmod 0644 $(DESTDIR)/etc/systemd/system/swiftlet.service
	install -m 0644 systemd/90-swiftlet.conf $(DESTDIR)/etc/sysctl.d/90-swiftlet.conf
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/swiftlet/README.md
	@if [ -z "$(DESTDIR)" ]; then sysctl -q -p /etc/sysctl.d/90-swiftlet.conf; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; echo "installed; start with: systemctl enable --now swiftlet"; \
		else echo "installed; systemd is not running here: start with $(PREFIX)/bin/swiftlet server"; fi; fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl disable --now swiftlet 2>/dev/null || true; fi
	@if [ -z "$(DESTDIR)" ] && [ -x $(PREFIX)/bin/swiftlet ]; then $(PREFIX)/bin/swiftlet reset --data-dir $(DATA_DIR); fi
	rm -f $(DESTDIR)$(PREFIX)/bin/swiftlet $(DESTDIR)$(PREFIX)/bin/swiftlet-shim \
		$(DESTDIR)/etc/systemd/system/swiftlet.service $(DESTDIR)/etc/sysctl.d/90-swiftlet.conf
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/swiftlet

# Every test: unit tests of the pure parts, then the end-to-end tests with the real kubectl.
test: build images unit e2e

unit:
	$(SWIFT) test --skip-build 2>&1 | tail -n 40; exit $${PIPESTATUS[0]}

e2e:
	@if ip link show swiftlet0 >/dev/null 2>&1; then \
		echo "a swiftlet node is up on this machine (bridge swiftlet0): the tests start their own; run 'sudo make down' first"; exit 1; fi
	SWIFTLET_BIN=$(CURDIR)/.build/debug/swiftlet SWIFTLET_IMAGES=$(CURDIR)/$(IMAGES) python3 -m pytest -q tests/e2e

# Benchmarks against their peers (Docs/benchmarks.md); not part of `make test`. Needs root; takes the node lock itself.
bench: release images
	SWIFTLET_BIN=$(CURDIR)/.build/release/swiftlet SWIFTLET_IMAGES=$(CURDIR)/$(IMAGES) python3 bench/run.py

clean:
	rm -rf .build
