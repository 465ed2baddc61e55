# media_userptr lab: build Linux 6.1 with the series, boot it in QEMU and
# run the media_userptr kselftest inside.
#
#   make run      patched kernel only: build, boot, test, print the table
#   make check    baseline, media-only and patched kernels, all asserted
#                 (MM_AB=0 leaves out the media-only kernel)
#   make deps     install the Debian packages the lab needs
#   make clean    remove build/ (the ccache stays in ~/.cache/ccache)
#
# KSRC=/path/to/linux-6.1.y uses that tree instead of Debian's
# linux-source-6.1; QEMU_EXTRA adds options to QEMU.

SHELL := /bin/bash

.PHONY: run check deps clean lint

run:
	@bash scripts/lab.sh run

check:
	@bash scripts/lab.sh check

deps:
	@bash scripts/deps.sh

lint:
	shellcheck -x scripts/*.sh .ci/run

clean:
	rm -rf build
