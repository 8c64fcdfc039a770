"""Warnings and errors raised by sktransfer."""

__all__ = ["NoTargetDomainWarning"]


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
