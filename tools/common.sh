# Helpers for tools/boundscheck.sh and tools/sanitize.sh (sourced, not run). They expect
# $repo, the checkout's root.

section() {
    printf '\n===== %s =====\n' "$*"
}

# Print the command exactly as it can be pasted into a shell, then run it.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

# Copy what building the core needs into $1, without compiled or generated files, so
# that a special build never touches the checkout (the tests still run from it).
copy_sources() {
    mkdir -p "$1"
    tar -C "$repo" --exclude='*.so' --exclude='__pycache__' --exclude='src_c/*.c' \
        --exclude='src_c/*.html' -cf - setup.py pyproject.toml README.md LICENSE src_c fcnn \
        | tar -C "$1" -xf -
}

# Go to the checkout and make the tests import the package built in $1: it goes first on
# PYTHONPATH, with tools/ for the pytest plugin fcnn_build_check (pytest -p
# fcnn_build_check), which prints the compiled core the tests import and stops the run if
# it is not the one in $1.
use_build() {
    cd "$repo"
    export PYTHONPATH="$1:$repo/tools" FCNN_EXPECT_CORE="$1/fcnn"
    printf '+ export PYTHONPATH=%q FCNN_EXPECT_CORE=%q\n' "$PYTHONPATH" "$FCNN_EXPECT_CORE"
}
