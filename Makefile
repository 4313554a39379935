# Top-level build. The two commands users need are `make run` and `make test`
# (see README.md); everything else is a building block of those.

SUBDIRS := xen $(wildcard dom0-tools)

.PHONY: all deps build $(SUBDIRS) run test test-xen check bench clean

all: build

deps:
	@scripts/deps.sh

build: deps $(SUBDIRS)

$(SUBDIRS):
	$(MAKE) -C $@

run: build
	scripts/run-qemu.sh

test: build
	scripts/run-tests.sh

# The PV test guests on Debian's Xen 4.17 (docs/test-guests.md).
test-xen: deps
	$(MAKE) -C test/guests
	scripts/test-xen.sh

check: deps
	scripts/check.sh

bench: build
	scripts/bench.sh

clean:
	for d in $(SUBDIRS); do $(MAKE) -C $$d clean; done
	rm -rf build
