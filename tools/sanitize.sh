#!/usr/bin/env bash
# Run the tests on a build of the compiled core instrumented for memory errors, in a
# temporary copy of the sources. Any report fails the run.
#
# usage: tools/sanitize.sh [asan|valgrind] [pytest arguments]
#   asan      (default) AddressSanitizer + UndefinedBehaviorSanitizer build of the core,
#             whole suite (default pytest arguments: -q tests)
#   valgrind  the normal build under valgrind memcheck (it also sees inside BLAS, which
#             ASan does not instrument), by default on the tests of the core's numerics,
#             training, extremes, input validation and a tenth of the property examples:
#             the whole suite would take about an hour under valgrind
#
# Python itself is not instrumented: libasan is preloaded into the interpreter, and
# PYTHONMALLOC=malloc makes every Python object its own malloc block, so the sanitizer's
# red zones (or valgrind's) surround each one instead of pymalloc's arenas hiding
# overruns. Leak detection is off: CPython deliberately leaves interned strings, static
# types and module state allocated at exit, which would bury any real report.
# Needs gcc (with libasan/libubsan), valgrind for the second mode, and setuptools, Cython,
# numpy, scipy and the test extra in the active Python environment.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/common.sh"
mode=${1:-asan}
if [ $# -gt 0 ]; then
    shift
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fcnn-sanitize.XXXXXX")
trap 'rm -rf "$work"' EXIT
reports="$work/reports"
mkdir -p "$reports"

case "$mode" in
asan)
    if [ $# -eq 0 ]; then
        set -- -q tests
    fi
    section "AddressSanitizer + UBSan build of the core in $work"
    copy_sources "$work"
    cd "$work"
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
    run env CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
        python setup.py --quiet build_ext --inplace
    section "tests under AddressSanitizer + UBSan"
    use_build "$work"
    status=0
    # libstdc++ preloaded too: ASan's C++-exception interceptor needs it from the start,
    # or the first C++ exception in a compiled dependency (matplotlib) trips a CHECK
    preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
    run env LD_PRELOAD="$preload" PYTHONMALLOC=malloc \
        ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$reports/asan" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
        pytest -p fcnn_build_check "$@" || status=$?
    ;;
valgrind)
    if [ $# -eq 0 ]; then
        set -- -q -m "not slow" tests/test_gradients.py tests/test_training.py \
            tests/test_extremes.py tests/test_validation.py tests/test_properties.py
    fi
    # a tenth of the property examples: each costs about 50 times as much under valgrind
    export FCNN_PROPERTY_SCALE=${FCNN_PROPERTY_SCALE:-0.1}
    echo "+ export FCNN_PROPERTY_SCALE=$FCNN_PROPERTY_SCALE"
    section "normal build of the core in $work"
    copy_sources "$work"
    cd "$work"
    # with debug information (CFLAGS=-g; setup.py adds the usual -O3), for valgrind's reports
    run env CFLAGS=-g python setup.py --quiet build_ext --inplace
    section "tests under valgrind memcheck"
    use_build "$work"
    status=0
    # pytest's script run by the interpreter itself, so that valgrind follows python
    run env PYTHONMALLOC=malloc valgrind --quiet --error-exitcode=1 --leak-check=no \
        --suppressions="$repo/tools/valgrind.supp" --log-file="$reports/valgrind.%p" \
        python "$(command -v pytest)" -p fcnn_build_check "$@" || status=$?
    ;;
*)
    echo "usage: $0 [asan|valgrind] [pytest arguments]" >&2
    exit 2
    ;;
esac

section "sanitizer reports"
found=0
for report in "$reports"/*; do
    if [ -s "$report" ]; then
        found=$((found + 1))
        echo "--- $report"
        cat "$report"
    fi
done
echo "$found report(s); pytest exit status $status"
if [ "$found" -gt 0 ] && [ "$status" -eq 0 ]; then
    status=1
fi
exit "$status"
