"""Measures of the shift between a source and a target domain.

- :func:`mmd2`: the squared maximum mean discrepancy between the (optionally
  weighted) source sample and the target sample.
- :func:`mmd_test`: a permutation two-sample test built on it.
- :func:`proxy_a_distance`: Ben-David et al.'s proxy A-distance, the
  lecture's "Name That Dataset" game as a number: how well a classifier tells
  the two domains apart, out of sample.

The functions take the two samples separately, as two-sample statistics do;
:func:`~sktransfer.unpack_domains` splits a one-table ``X, sample_domain``.
Image arrays ``(n, c, h, w)`` are compared as flat vectors.
"""

from ._display import DomainShiftDisplay
from ._mmd import MMDTestResult, mmd2, mmd_test
from ._proxy_a import proxy_a_distance

__all__ = [
    "DomainShiftDisplay",
    "MMDTestResult",
    "mmd2",
    "mmd_test",
    "proxy_a_distance",
]
