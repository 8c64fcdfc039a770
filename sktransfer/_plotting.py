"""What the Display classes share: matplotlib on demand, domain colours, markers.

matplotlib is an optional extra (``pip install "sktransfer[plot]"``): it is
imported when a display draws, never when the package loads.
"""

from ._compat import check_matplotlib_support

#: Colour of each domain wherever a display colours by domain.
DOMAIN_COLOURS = {"source": "tab:blue", "target": "tab:orange"}
#: Marker of each domain wherever a display colours by class.
DOMAIN_MARKERS = {"source": "o", "target": "x"}
#: Markers of the classes (cycled) wherever a display colours by domain.
CLASS_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">")


def pyplot(caller):
    """``matplotlib.pyplot``, or scikit-learn's error naming the extra."""
    check_matplotlib_support(caller)
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax, caller, **subplots):
    """``ax``, or the axes of a new figure."""
    plt = pyplot(caller)
    if ax is None:
        _, ax = plt.subplots(**subplots)
    return ax


def class_colour(index):
    """The ``tab10`` colour of the ``index``-th class (cycled)."""
    plt = pyplot("class_colour")
    return plt.get_cmap("tab10")(index % 10)


def check_entries(name, values, n_rows, rows_of):
    """Refuse ``values`` unless it holds one entry per row of ``rows_of``.

    The one rule for the arrays a display draws together (an embedding and
    its domains, weights and their feature values): a ``ValueError`` that
    names both, instead of numpy's broadcasting or indexing error.
    """
    if values.shape != (n_rows,):
        raise ValueError(
            f"{name} has shape {values.shape}; expected ({n_rows},), one entry "
            f"per row of {rows_of}."
        )


def check_drawable(estimator, caller, *, attributes, what):
    """Check that ``estimator`` is fitted and has what ``caller`` draws.

    One rule for every display's ``from_estimator``: an unfitted estimator
    gets scikit-learn's :class:`~sklearn.exceptions.NotFittedError`, and a
    fitted one without ``attributes`` a ``ValueError`` that says which
    estimator the display draws (``what``), instead of an ``AttributeError``
    from deep inside matplotlib code.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    missing = [name for name in attributes if not hasattr(estimator, name)]
    if missing:
        raise ValueError(
            f"{caller} draws {what}; {type(estimator).__name__} has no "
            f"{', '.join(missing)}."
        )
