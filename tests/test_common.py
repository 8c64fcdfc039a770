"""The estimator contract: scikit-learn's checks over every public estimator.

Each estimator the package exports must appear in ``_INSTANCES`` (a test below
fails otherwise), built small enough for the checks to run fast. A check that
an estimator fails on purpose is listed in ``_EXPECTED_FAILED`` with the reason.
"""

import inspect

import numpy as np
import pytest
import sklearn
import torch
from _estimators import INSTANCES as _INSTANCES
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, cross_validate
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

import sktransfer
from sktransfer._compat import InvalidParameterError

# -1 marks an unlabeled row (the semi-supervised convention of
# docs/user_guide/convention.md), so a check that trains on the classes
# {-1, 1} sees one class only.
_MINUS_ONE_IS_UNLABELED = (
    "uses the class -1, which sktransfer reserves for unlabeled target rows"
)
# scikit-learn's own Pipeline fails these two as well: it fits its steps in place.
_STEPS_FITTED_IN_PLACE = "Pipeline fits the estimators of its `steps` in place"
# skorch's NeuralNet, which the deep estimators are, departs from scikit-learn
# in ways these checks see; each reason names the departure.
_SKORCH = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_, which the rest of skorch reads before any fit"
    ),
}
_EXPECTED_FAILED = {
    "DANNClassifier": {**_SKORCH, "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    "DomainConfusionClassifier": {
        **_SKORCH,
        "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED,
    },
    "DistilledClassifier": {
        **_SKORCH,
        "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED,
    },
    "DANNRegressor": _SKORCH,
    **dict.fromkeys(
        ("CDANClassifier", "MCCClassifier", "DeepCORALClassifier", "DANClassifier"),
        {**_SKORCH, "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    ),
    **dict.fromkeys(("DeepCORALRegressor", "DANRegressor"), _SKORCH),
    "FineTunedClassifier": {
        **_SKORCH,
        "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED,
    },
    "FineTunedRegressor": _SKORCH,
    "SurrogatePretrainer": _SKORCH,
    "SourceOnlyClassifier": {"check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    "ImportanceWeightedClassifier": {
        "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED
    },
    "LabelShiftClassifier": {"check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    "AdaptationSearchCV": {"check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    **dict.fromkeys(
        (
            "FeatureAugmentedClassifier",
            "BalancedWeightingClassifier",
            "TrAdaBoostClassifier",
            "RegularTransferClassifier",
            "PREDClassifier",
            "ContinuedBoostingClassifier",
        ),
        {"check_classifiers_classes": _MINUS_ONE_IS_UNLABELED},
    ),
    # Fitted rows are augmented with their domains (source rows, without
    # sample_domain), new rows as target rows: the two differ by design.
    "FeatureAugmenter": dict.fromkeys(
        ("check_transformer_general", "check_transformer_data_not_an_array"),
        "fit_transform augments the fitted rows as source rows and transform "
        "new rows as target rows, as the convention says",
    ),
    "DAPipeline": {
        "check_classifiers_classes": _MINUS_ONE_IS_UNLABELED,
        "check_estimators_overwrite_params": _STEPS_FITTED_IN_PLACE,
        "check_dont_overwrite_parameters": _STEPS_FITTED_IN_PLACE,
    },
}


def _public_estimator_classes():
    # getattr, not vars: the deep estimators load on first access.
    exported = {name: getattr(sktransfer, name) for name in sktransfer.__all__}
    return {
        name: obj
        for name, obj in exported.items()
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator)
    }


def test_every_public_estimator_is_checked():
    missing = set(_public_estimator_classes()) - set(_INSTANCES)
    assert not missing, f"add instances of {sorted(missing)} to _INSTANCES"


# The checks fit on labelled rows only, so every domain-adaptation estimator
# fits its source-only form and says so; that warning is expected here.
@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@parametrize_with_checks(
    [est for instances in _INSTANCES.values() for est in instances],
    expected_failed_checks=lambda est: _EXPECTED_FAILED.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _predictors():
    """Every public classifier and regressor, with the pipeline's plain end wrapped."""
    predictors = {
        name: instances[0]
        for name, instances in _INSTANCES.items()
        if instances and (is_classifier(instances[0]) or is_regressor(instances[0]))
    }
    predictors["DAPipeline"] = sktransfer.make_da_pipeline(
        StandardScaler(), LogisticRegression()
    )
    predictors["DAPipeline-regressor"] = sktransfer.make_da_pipeline(
        StandardScaler(), Ridge()
    )
    return predictors


def _one_table(regression, seed=0):
    """Source rows with labels and shifted target rows marked unlabeled."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(150, 4)).astype(np.float32)
    sd = np.where(rng.rand(150) < 0.6, 1, -1)
    X[sd < 0] += 0.5
    score = X @ np.array([1.0, -1.0, 0.5, 0.0], dtype=np.float32)
    y = score if regression else np.digitize(score, [-0.5, 0.5])
    return X, np.where(sd < 0, np.nan if regression else -1, y), sd


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@pytest.mark.parametrize("routing", [False, True])
@pytest.mark.parametrize("name", sorted(_predictors()))
def test_cross_val_score_reads_the_labelled_rows_of_each_fold(name, routing):
    estimator = _predictors()[name]
    regression = is_regressor(estimator)
    X, y, sd = _one_table(regression)
    params = {"sample_domain": sd} if routing else {}
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    with sklearn.config_context(enable_metadata_routing=routing):
        results = cross_validate(
            estimator, X, y, cv=folds, params=params, return_estimator=True
        )
    metric = r2_score if regression else accuracy_score
    for (_, test), fitted, score in zip(
        folds, results["estimator"], results["test_score"], strict=True
    ):
        labelled = test[sd[test] > 0]
        assert labelled.size < test.size  # the fold holds unlabeled rows
        with sklearn.config_context(enable_metadata_routing=routing):
            kwargs = {"sample_domain": sd[labelled]} if routing else {}
            y_pred = fitted.predict(X[labelled], **kwargs)
        assert score == pytest.approx(metric(y[labelled], y_pred), abs=1e-12)


def _label_head(net):
    """The layers that map a net's learned features to its label output."""
    module = net.module_
    if isinstance(module, nn.Sequential):
        return module[-1]
    return getattr(module, "label_predictor", None) or module.head


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, instances in _INSTANCES.items()
        if instances
        and isinstance(instances[0], sktransfer.deep._base.BaseNet)
        and hasattr(instances[0], "predict")
    ),
)
def test_the_features_a_net_transforms_to_are_what_its_label_head_reads(name):
    net = clone(_INSTANCES[name][0])
    X, y, sd = _one_table(is_regressor(net))
    net.fit(X, y, sample_domain=sd)
    features = net.transform(X)
    assert features.shape[0] == X.shape[0]
    assert features.dtype == np.float32
    with torch.no_grad():
        output = _label_head(net)(torch.as_tensor(features))
    if is_classifier(net):
        expected = torch.softmax(output, dim=1).numpy()
        np.testing.assert_allclose(net.predict_proba(X), expected, atol=1e-6)
    else:
        np.testing.assert_allclose(net.predict(X), output[:, 0].numpy(), atol=1e-5)


def _nets():
    return sorted(
        name
        for name, instances in _INSTANCES.items()
        if instances and isinstance(instances[0], sktransfer.deep._base.BaseNet)
    )


def _constructor_parameters(cls):
    """The named parameters of every ``__init__`` up the class hierarchy."""
    return {
        name
        for klass in cls.__mro__
        if "__init__" in vars(klass)
        for name, param in inspect.signature(klass.__init__).parameters.items()
        if name != "self"
        and param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)
    }


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@pytest.mark.parametrize("name", _nets())
def test_a_fitted_net_reports_its_parameters_only_and_clones_unfitted(name):
    prototype = _INSTANCES[name][0]
    # A skorch keyword argument the user passes is a parameter too.
    net = type(prototype)(
        **prototype.get_params(deep=False), iterator_valid__num_workers=0
    )
    X, y, sd = _one_table(is_regressor(net))
    net.fit(X, y, sample_domain=sd)

    params = net.get_params(deep=False)
    expected = _constructor_parameters(type(net)) | {"iterator_valid__num_workers"}
    assert set(params) == expected
    assert params["device"] == "auto"

    fresh = clone(net)
    assert set(vars(fresh)) == set(vars(clone(prototype))) | {
        "iterator_valid__num_workers"
    }
    assert not fresh.initialized_
    assert fresh.history_ is None
    assert not hasattr(fresh, "module_")
    assert not hasattr(fresh, "_shape_kwargs")
    fresh.fit(X, y, sample_domain=sd)
    # A pretrainer predicts nothing: its features must repeat instead.
    method = "predict" if hasattr(net, "predict") else "transform"
    np.testing.assert_array_equal(getattr(fresh, method)(X), getattr(net, method)(X))


# Each net's own parameters, and the ones every net shares, with a value fit
# refuses before any training.
_BAD_NET_PARAMETERS = {
    "DANNClassifier": {
        "lambda_max": -1.0,
        "lambda_gamma": 0.0,
        "lr_annealing": "yes",
        "adapt_batchnorm": None,
        "module": "mlp",
        "lr": -0.1,
        "max_epochs": 2.5,
        "batch_size": 0,
        "train_split": 0.2,
        "random_state": "seed",
        "device": 0,
    },
    "DANNRegressor": {"lambda_max": float("nan"), "lambda_gamma": -1.0},
    "CDANClassifier": {
        "entropy_conditioning": 1,
        "randomized_dim": 0,
        "lambda_max": -0.5,
        "class_confusion_weight": -1.0,
        "class_confusion_temperature": 0.0,
        "pseudo_label_threshold": 1.5,
        "pseudo_label_weight": "one",
    },
    "MCCClassifier": {"class_confusion_weight": None, "pseudo_label_threshold": 0.0},
    "DeepCORALClassifier": {"coral_weight": -1.0, "layers": "features"},
    "DeepCORALRegressor": {"coral_weight": "big"},
    "DANClassifier": {"mmd_weight": -0.1, "kernel_multipliers": 2.0, "layers": None},
    "DANRegressor": {"mmd_weight": float("inf") * 0},
    "DomainConfusionClassifier": {
        "lambda_confusion": -0.1,
        "nu_soft": "high",
        "temperature": 0.0,
        "pretrain_epochs": -1,
        "optimizer_domain": "adam",
        "adapt_batchnorm": 2,
    },
    "DistilledClassifier": {
        "teacher": "forest",
        "module": 3,
        "temperature": -1.0,
        "soft_weight": 1.5,
    },
    "FineTunedClassifier": {
        "layer": 3,
        "pooling": "mean",
        "preprocess": 1.0,
        "data_format": "nchw",
        "head": 2,
        "freeze": 1,
        "unfreeze_at": 1,
        "freeze_batchnorm": "no",
        "body_lr_scale": -0.5,
        "layer_decay": 1.5,
        "early_stopping": 1.0,
        "validation_fraction": 1.0,
        "n_iter_no_change": 0,
    },
    "FineTunedRegressor": {"layer_decay": 0.0, "n_iter_no_change": 2.0},
    "SurrogatePretrainer": {
        "module": 3,
        "task": "jigsaw",
        "train_split": 0.2,
        "n_exemplars": 1,
        "augmentation": "strong",
        "head_units": 0,
        "temperature": 0.0,
        "data_format": "nchw",
    },
}


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [
        (name, param, value)
        for name, bad in _BAD_NET_PARAMETERS.items()
        for param, value in bad.items()
    ],
)
def test_a_net_refuses_a_bad_parameter_value_at_fit(name, param, value):
    net = clone(_INSTANCES[name][0]).set_params(**{param: value})
    X, y, sd = _one_table(is_regressor(net))
    match = f"The '{param}' parameter of {name} must be"
    with pytest.raises(InvalidParameterError, match=match):
        net.fit(X, y, sample_domain=sd)
    assert not hasattr(net, "module_")  # refused before any training


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@pytest.mark.parametrize("name", _nets())
def test_a_net_trains_through_fit_only_and_warm_start_goes_on(name):
    net = clone(_INSTANCES[name][0])
    assert not hasattr(net, "partial_fit")
    with pytest.raises(AttributeError, match="warm_start=True"):
        net.partial_fit  # noqa: B018
    X, y, sd = _one_table(is_regressor(net))
    net.set_params(warm_start=True).fit(X, y, sample_domain=sd)
    epochs, module = len(net.history), net.module_
    net.fit(X, y, sample_domain=sd)
    assert net.module_ is module  # the same network, trained further
    assert len(net.history) == epochs + net.max_epochs
