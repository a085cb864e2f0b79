"""Sphinx configuration of fcnn's documentation (build it with tools/docs.sh).

fcnn is imported from the installed package (``pip install .`` or ``pip install -e .``):
the repository root is deliberately not put on sys.path, since an unbuilt checkout has no
compiled core.
"""

from importlib.metadata import version as _version

project = "fcnn"
release = _version("fcnn")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
templates_path = ["_templates"]
default_role = "code"
highlight_language = "python3"

# The API reference: one page per public name, from the docstrings (numpydoc style). Types
# are read from the docstrings' Parameters sections, so signatures show names only.
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# Doctests (sphinx-build -b doctest) run in a fresh temporary folder, so that examples may
# save files without leaving them in the checkout.
doctest_global_setup = """
import os, tempfile
_doctest_previous_dir = os.getcwd()
_doctest_dir = tempfile.TemporaryDirectory()
os.chdir(_doctest_dir.name)
import numpy as np
import fcnn
try:  # a test requirement, not the docs': its examples are skipped without it
    import torch
except ImportError:
    torch = None
"""
doctest_global_cleanup = """
os.chdir(_doctest_previous_dir)
_doctest_dir.cleanup()
"""

myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"fcnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 4,  # the rest under "More": the search box keeps its row
    "show_toc_level": 2,
    # an API page's examples get the whole width
    "secondary_sidebar_items": {
        "*": ["page-toc"],
        "guide/*": ["page-toc"],
        "api/*": ["page-toc"],
        "api/generated/*": [],
    },
    "footer_start": [],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "install": [], "quickstart": [], "references": []}
html_static_path = []
html_show_copyright = False


def _skip_metadata_routing(app, what, name, obj, skip, options):
    """scikit-learn's set_fit_request and the like are scikit-learn's, documented there."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_routing)
