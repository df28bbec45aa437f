# gobpftrace — build, test, lint, fuzz and benchmark.
#
#   make            build ./gobpftrace (same as make build)
#   make test       the whole test suite: unit, kernel and end-to-end tests.
#                   Run it as root: kernel tests skip otherwise, and fail
#                   instead of skipping when CI=true. Fuzz targets run their
#                   seed corpus only.
#   make lint       go vet + gofmt check
#   make fuzz       every Fuzz target for FUZZTIME each (default 30s)
#   make bench      side-by-side comparison with bpftrace (when installed)
#                   and the floor (cmd/benchfloor), many-probe start-up and
#                   Ctrl-C timings, plus Go benchmarks; needs root, cc and
#                   python3. See cmd/gobpftrace/testdata/bench.sh for the
#                   knobs (BENCH_REPS, BENCH_TESTS, BENCH_FLOOR, GOBENCH …).
#   make install    install the binary in $(DESTDIR)$(PREFIX)/bin and the man
#                   page gobpftrace(8) in $(DESTDIR)$(MANDIR)/man8
#                   (PREFIX defaults to /usr/local)
#   make uninstall  remove what make install installed
#   make vm KERNEL=6.1 CMD='uname -r'
#                   run a command of this machine in a QEMU guest booting
#                   Debian's Linux KERNEL (5.10, 6.1 or 6.12): the host's /
#                   is visible read-only, the working tree read-write, /tmp
#                   is a tmpfs. Exits with the command's status. Needs root
#                   (installs qemu-system-x86 when missing); kernels are
#                   cached in $$GOBPFTRACE_KERNELS_CACHE (default
#                   /var/cache/gobpftrace-kernels). See cmd/kernels.
#   make kernels    the kernel tests in guests of every kernel of the matrix;
#                   prints a table and fails on any failure.

GO       ?= go
BIN      ?= gobpftrace
FUZZTIME ?= 30s
# go test's own limit per package binary; .ci/run must stay well under 90 min.
TESTTIMEOUT ?= 20m
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
INSTALL  ?= install

.PHONY: all build test lint vet fmt-check fuzz bench clean install uninstall vm kernels

all: build

# CGO_ENABLED=0 keeps the binary static: net (for --metrics) would link
# libc for its cgo DNS resolver, which costs start-up time and memory on
# every run; the Go resolver reads /etc/hosts and resolv.conf the same.
# -s -w leave out the symbol table and DWARF (4 MB of the 12.5), which
# nothing reads at run time: panics still print symbolized stacks (from
# the pclntab); `go build ./cmd/gobpftrace` keeps them for debuggers.
build:
	CGO_ENABLED=0 $(GO) build -ldflags='-s -w' -o $(BIN) ./cmd/gobpftrace

test:
	$(GO) test -count=1 -timeout $(TESTTIMEOUT) ./...
	cd examples/fleet && $(GO) test -count=1 ./...

lint: vet fmt-check

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...)); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# One package at a time: go test -fuzz accepts a single target.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# The runner is built to a private directory (not go run, which neither
# passes the guest's exit status on nor dies with the runner's guest).
KERNEL     ?= 6.1
KERNELS    ?= 5.10,6.1,6.12
RUNKERNELS  = dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(GO) build -o "$$dir/kernels" ./cmd/kernels && "$$dir/kernels"

vm:
	@if [ -z '$(subst ','\'',$(value CMD))' ]; then echo "usage: make vm KERNEL=6.1 CMD='command'" >&2; exit 2; fi
	@$(RUNKERNELS) vm -kernel "$(KERNEL)" -- /bin/sh -c '$(subst ','\'',$(value CMD))'

kernels:
	@$(RUNKERNELS) matrix -kernels "$(KERNELS)"

bench: build
	BIN=$(CURDIR)/$(BIN) GO=$(GO) bash cmd/gobpftrace/testdata/bench.sh

install: build
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/gobpftrace
	$(INSTALL) -m 0644 cmd/gobpftrace/gobpftrace.8 $(DESTDIR)$(MANDIR)/man8/gobpftrace.8

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gobpftrace $(DESTDIR)$(MANDIR)/man8/gobpftrace.8

clean:
	rm -f $(BIN)
	rm -rf bench-results
