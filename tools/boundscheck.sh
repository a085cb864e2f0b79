#!/usr/bin/env bash
# Build the compiled core with Cython's checks on (FCNN_BOUNDSCHECK=1 in setup.py:
# boundscheck, wraparound, initializedcheck) in a temporary copy of the sources, and run
# the test suite against that build: a memoryview index out of range then raises
# IndexError instead of reading or writing past the buffer.
#
# usage: tools/boundscheck.sh [pytest arguments]      (default: -q tests)
# Needs a C compiler and setuptools, Cython, numpy, scipy and the test extra in the active
# Python environment: pip install -e ".[test]" "setuptools>=64" "Cython>=3"
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/common.sh"
if [ $# -eq 0 ]; then
    set -- -q tests
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fcnn-boundscheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

section "bounds-checked build of the core (FCNN_BOUNDSCHECK=1) in $work"
copy_sources "$work"
cd "$work"
run env FCNN_BOUNDSCHECK=1 python setup.py --quiet build_ext --inplace

section "tests against the bounds-checked build"
use_build "$work"
export FCNN_EXPECT_BOUNDSCHECK=1
echo "+ export FCNN_EXPECT_BOUNDSCHECK=1"
run pytest -p fcnn_build_check "$@"
