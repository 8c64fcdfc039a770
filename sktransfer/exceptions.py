"""Warnings and errors raised by sktransfer."""

import difflib

__all__ = [
    "NoTargetDomainWarning",
    "NoTargetLabelsWarning",
    "SmallEffectiveSampleSizeWarning",
    "UnlabeledSourceRowsWarning",
]


class NoTargetDomainWarning(UserWarning):
    """Warning raised when a domain-adaptation fit finds no target rows.

    Rows are target rows when ``sample_domain`` is negative or, without
    ``sample_domain``, when their label is ``-1`` (classification) or ``NaN``
    (regression). A fit that finds none is not an error: the estimator fits
    its source-only form (weights of one, no domain loss, identity alignment)
    and raises this warning so the user knows that nothing was adapted.

    Silence it with the standard :mod:`warnings` filters::

        import warnings
        from sktransfer.exceptions import NoTargetDomainWarning
        warnings.filterwarnings("ignore", category=NoTargetDomainWarning)
    """


class NoTargetLabelsWarning(NoTargetDomainWarning):
    """Warning raised when a method that reads target labels finds none.

    The estimators of :mod:`sktransfer.supervised` learn from a few labelled
    target rows: rows with ``sample_domain < 0`` and a label other than
    ``-1``/``NaN``. Without ``sample_domain`` every labelled row is a source
    row, so a fit that forgets it finds no target label. Such a fit is not
    an error: the estimator fits its source-only form and raises this
    warning. It is a :class:`NoTargetDomainWarning`, so a filter of that
    warning silences it too.
    """


class SmallEffectiveSampleSizeWarning(UserWarning):
    """Warning raised when a weighter's source weights collapse on a few rows.

    Kish's effective sample size ``(sum w)^2 / sum w^2`` says how many
    unweighted rows the weighted source sample is worth. Below
    ``max(10, 5%)`` of the source rows, a model trained with the weights
    learns from a handful of rows: the shift is too strong for the
    weighter's settings (kernel width, ``B``, ``clip``), or the domains
    barely overlap. Flatten the weights
    (:class:`~sktransfer.reweight.ImportanceWeightedClassifier`'s
    ``flatten``), widen the kernel, or check that the domains share support.
    """


class UnlabeledSourceRowsWarning(UserWarning):
    """Warning raised when labelled source rows sit beside source rows marked ``-1``.

    ``-1`` is reserved for "unlabeled" in classification: rows that carry it
    are left out of every label a method reads, even when ``sample_domain``
    marks them as source rows. When a problem's own classes include ``-1``,
    those rows are silently dropped; encode the labels with
    :class:`~sklearn.preprocessing.LabelEncoder` first. A source domain that
    is only partly labelled is legitimate: silence the warning with the
    :mod:`warnings` filters.
    """


def _did_you_mean(unknown, known):
    """``"; did you mean [...] for 'name'"`` for each unknown name near a known one.

    The hint of every error about a misspelt name (a network's layers, a
    search's parameters or metrics).
    """
    return "".join(
        f"; did you mean {close} for {name!r}"
        for name in unknown
        if (close := difflib.get_close_matches(name, known, n=3))
    )
