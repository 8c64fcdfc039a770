"""The private scikit-learn helpers sktransfer relies on, imported in one place.

scikit-learn does not promise these names across releases. Importing them only
here means a release that moves one breaks this module, not every estimator.
"""

from sklearn._loss.link import IdentityLink
from sklearn._loss.loss import BaseLoss
from sklearn.base import _fit_context
from sklearn.linear_model._base import LinearClassifierMixin, LinearModel
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.pipeline import _name_estimators
from sklearn.utils import _safe_indexing
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_method_params,
    _num_samples,
)

__all__ = [
    "BaseLoss",
    "GroupsConsumerMixin",
    "HasMethods",
    "IdentityLink",
    "Interval",
    "InvalidParameterError",
    "LinearClassifierMixin",
    "LinearModel",
    "Options",
    "_check_feature_names_in",
    "StrOptions",
    "_check_method_params",
    "_fit_context",
    "_name_estimators",
    "_num_samples",
    "_routing_enabled",
    "_safe_indexing",
    "check_matplotlib_support",
    "validate_parameter_constraints",
    "validate_params",
]
