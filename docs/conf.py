"""Sphinx configuration: the user guide, the API reference and the gallery.

Build with ``make docs`` (warnings are errors); the HTML lands in
``docs/_build/html``. Nothing is fetched from the network: no intersphinx.
"""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))

import sktransfer

project = "sktransfer"
author = "the sktransfer developers"
copyright = "2026, the sktransfer developers"
release = version = sktransfer.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# numpydoc writes the member tables of a class; autodoc's would repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"sktransfer {version}"
html_theme_options = {"navigation_with_keys": False}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # Every example runs at each build; a failing one fails the build.
    "abort_on_example_error": True,
}

# The examples' own warnings (small-sample, convergence) are not the docs'.
warnings.filterwarnings("ignore", category=UserWarning)


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document what sktransfer defines, not what it inherits.

    Methods inherited from scikit-learn and skorch (``set_fit_request``,
    ``Pipeline.predict``...) are documented there, with references to their
    own glossary that this site does not hold.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and module and not module.startswith("sktransfer"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
