SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
BIN := bin/petarawan
SAMPLE := testdata/banten/desa.geojson.gz testdata/banten/kecamatan.geojson.gz testdata/banten/kabupaten.geojson.gz
GO_SOURCES := $(shell find . -name '*.go' -not -path './.pgdata/*') $(shell find migrations frontend -type f -not -path '*/node_modules/*') go.mod go.sum

.PHONY: run test bench soak build clean db fuzz

build: $(BIN)

$(BIN): $(GO_SOURCES)
	go build -o $(BIN) ./cmd/petarawan

# Brings up PostGIS (scripts/bootstrap.sh), migrates, loads the Banten sample
# and its demo scores on first run, measures the H3 cells when the boundaries
# changed, and serves on :8080.
run: $(BIN)
	DATABASE_URL=$$(scripts/bootstrap.sh run); export DATABASE_URL; \
	$(BIN) import boundaries --if-empty $(SAMPLE); \
	$(BIN) seed demo --if-empty; \
	$(BIN) h3 recompute --if-stale; \
	exec $(BIN) serve

# The same bootstrap (plus GDAL), then every test against a real PostGIS.
# Packages run one at a time: they share the cluster, and the load tests
# (aborted requests, timeouts) should not overlap the import tests.
test:
	PETARAWAN_TEST_DATABASE_URL=$$(scripts/bootstrap.sh test); export PETARAWAN_TEST_DATABASE_URL; \
	go vet ./...; \
	go test -count=1 -p 1 -timeout 12m ./...

# Runs every fuzz target of geo and api for FUZZTIME each, one at a time (go
# test -fuzz takes one target). An input that fails is written to the
# package's testdata/fuzz/<target>/, where every go test replays it.
FUZZTIME ?= 20s
fuzz:
	for pkg in ./geo ./api; do \
		targets=$$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); \
		for target in $$targets; do \
			echo "== $$pkg $$target"; \
			go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Load run on loopback: items pages and a bbox query, beside PostGIS's own time for the same SQL.
bench: $(BIN)
	scripts/bench.sh

# SOAK_DURATION (default 10m) of mixed load from SOAK_CONCURRENCY (8) clients
# against a server on Banten (database petarawan_soak): 5xx, requests and
# p50/p99 per route, RSS and goroutines at start and end; fails on a missed goal.
soak: $(BIN)
	scripts/soak/soak.sh $(SAMPLE)

# Stops the project-local cluster and removes it with the build output.
clean:
	-pgdata=$$(readlink -f .pgdata)/data; \
	if [ "$$(id -u)" -eq 0 ]; then runuser -u postgres -- env -C / /usr/lib/postgresql/15/bin/pg_ctl -D "$$pgdata" stop; \
	else /usr/lib/postgresql/15/bin/pg_ctl -D "$$pgdata" stop; fi
	rm -rf "$$(readlink -f .pgdata)" .pgdata bin
