#!/usr/bin/env bash
# Build the documentation site (docs/) as HTML with every Sphinx warning an error, then run
# the examples in its pages and in the docstrings it includes as doctests.
#
# usage: tools/docs.sh
# Needs fcnn installed (pip install . or pip install -e .) with the docs extra:
# pip install ".[docs]". Sphinx imports the installed fcnn; the HTML goes to
# docs/_build/html (open docs/_build/html/index.html).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/common.sh"
cd "$repo"

section "HTML, warnings as errors"
run sphinx-build -q -W --keep-going -b html docs docs/_build/html

section "doctests of the pages and docstrings"
run sphinx-build -q -W -b doctest docs docs/_build/doctest
tail -n 6 docs/_build/doctest/output.txt
