"""Bad input: the right result, or a ValueError that names the parameter and the fix.

And whatever the caller passed -- arrays, data frames, torch modules -- is
never modified by a fit, a prediction or a transform. The cases common to
every estimator come first, then one section per package (label shift,
model selection, shift measures and weighters, deep nets), each raised
before the expensive work where it can be.
"""

import contextlib
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from torch import nn

from sktransfer import (
    CORAL,
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    KMMReweighter,
    LabelShiftClassifier,
    LabelShiftReweighter,
    SourceOnlyClassifier,
    SourceOnlyRegressor,
    SubspaceAlignment,
    make_da_pipeline,
)
from sktransfer.datasets import (
    make_biased_selection,
    make_digits_shift,
    make_label_shift,
    make_mnist_m,
)
from sktransfer.deep import (
    CDANClassifier,
    DANClassifier,
    DANNClassifier,
    DANNRegressor,
    DANRegressor,
    DeepCORALClassifier,
    DeepCORALRegressor,
    DeepFeatureTransformer,
    DistilledClassifier,
    DomainConfusionClassifier,
    FineTunedClassifier,
    ImageAugmentation,
    MCCClassifier,
    SurrogatePretrainer,
    TrainingCurvesDisplay,
    TransferabilityCurveDisplay,
    load_efficientnet_lite0,
    load_model,
    rotate_images,
    transferability_curve,
)
from sktransfer.exceptions import (
    SmallEffectiveSampleSizeWarning,
    UnlabeledSourceRowsWarning,
)
from sktransfer.label_shift import (
    LabelShiftDisplay,
    estimate_target_priors,
    label_shift_test,
)
from sktransfer.metrics import DomainShiftDisplay, mmd2, mmd_test, proxy_a_distance
from sktransfer.model_selection import (
    BaselineUnlessBetter,
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    LeaveOneDomainOut,
    ModelSelectionDisplay,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    TargetLabelScorer,
)
from sktransfer.reweight import ImportanceWeightsDisplay, _kmm, effective_sample_size

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- data -----------------------------------------------------------------

_RNG = np.random.RandomState(0)
X = _RNG.normal(size=(40, 3))
Y = np.r_[np.arange(20) % 2, -np.ones(20, dtype=int)]
SD = np.r_[np.ones(20, dtype=int), -np.ones(20, dtype=int)]


def _tabular():
    return [
        SourceOnlyClassifier(LogisticRegression()),
        ImportanceWeightedClassifier(),
        KMMReweighter(),
        DensityRatioWeighter(),
        SubspaceAlignment(2),
        CORAL(),
        LabelShiftClassifier(n_bootstrap=5, random_state=0),
        LabelShiftReweighter(n_bootstrap=5, random_state=0),
    ]


TABULAR = pytest.mark.parametrize(
    "estimator", _tabular(), ids=lambda e: type(e).__name__
)


def _fit(estimator, X_fit, y=Y, sample_domain=SD):
    estimator = clone(estimator)
    if get_tags(estimator).target_tags.required:
        return estimator.fit(X_fit, y, sample_domain=sample_domain)
    return estimator.fit(X_fit, sample_domain=sample_domain)


# -- X: ranks, dtypes, sizes, values ----------------------------------------


@TABULAR
def test_3d_X_into_a_tabular_estimator(estimator):
    with pytest.raises(ValueError, match="dim 3"):
        _fit(estimator, X.reshape(40, 3, 1))


@TABULAR
def test_empty_X(estimator):
    with pytest.raises(ValueError, match="0 sample"):
        _fit(estimator, X[:0], Y[:0], SD[:0])


@TABULAR
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X(estimator, bad):
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        _fit(estimator, X_bad)


@pytest.mark.parametrize(
    "estimator",
    [KMMReweighter(), DensityRatioWeighter(), SubspaceAlignment(2), CORAL()],
    ids=lambda e: type(e).__name__,
)
def test_strings_in_X_name_X_and_the_fix(estimator):
    X_str = np.full((40, 3), "a", dtype=object)
    with pytest.raises(ValueError, match="needs numeric X.*OneHotEncoder"):
        _fit(estimator, X_str)


@TABULAR
def test_bool_X_is_read_as_numbers(estimator):
    X_bool = X > 0
    fitted, reference = _fit(estimator, X_bool), _fit(estimator, X_bool.astype(float))
    if hasattr(fitted, "weights_"):
        np.testing.assert_allclose(fitted.weights_, reference.weights_)


@pytest.mark.parametrize("estimator", [SubspaceAlignment(2), CORAL()], ids=str)
@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
def test_integer_X_into_an_alignment_is_mapped_in_float(estimator, dtype):
    X_int = (np.abs(X) * 60).astype(dtype)
    out = _fit(estimator, X_int).transform(X_int)
    expected = _fit(estimator, X_int.astype(np.float64)).transform(
        X_int.astype(np.float64)
    )
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected)


def test_integer_X_through_a_pipeline_gets_the_float_result():
    X_int = (np.abs(X) * 60).astype(np.uint8)
    fitted = [
        make_da_pipeline(CORAL(), LogisticRegression()).fit(X_fit, Y, sample_domain=SD)
        for X_fit in (X_int, X_int.astype(float))
    ]
    np.testing.assert_allclose(
        fitted[0].predict_proba(X_int), fitted[1].predict_proba(X_int.astype(float))
    )


@pytest.mark.parametrize("estimator", [SubspaceAlignment(2), CORAL()], ids=str)
def test_one_row_per_domain_names_the_rows_needed(estimator):
    with pytest.raises(ValueError, match="at least 2 source rows"):
        _fit(estimator, X[19:21], sample_domain=SD[19:21])


@TABULAR
def test_predict_with_the_wrong_number_of_features(estimator):
    fitted = _fit(estimator, X)
    methods = ("predict", "transform", "predict_weights")
    method = next((m for m in methods if hasattr(fitted, m)), None)
    if method is None:
        pytest.skip("KMM weighs its training rows only")
    with pytest.raises(ValueError, match="X has 2 features"):
        getattr(fitted, method)(X[:, :2])


# -- sample_domain and y -----------------------------------------------------


@TABULAR
@pytest.mark.parametrize(
    ("sample_domain", "message"),
    [
        (SD[:-1], "sample_domain has 39 entries but X has 40 rows"),
        (SD.astype(float), "sample_domain must hold integers"),
        (SD.astype(str), "sample_domain must hold integers"),
        (np.where(np.arange(40) == 3, 0, SD), "sample_domain contains 0"),
        (SD[:, None], "sample_domain must be a 1-D array"),
        (-np.ones(40, dtype=int), "no source rows: mark source rows"),
    ],
    ids=["short", "float", "str", "zero", "2d", "no-source"],
)
def test_bad_sample_domain(estimator, sample_domain, message):
    with pytest.raises(ValueError, match=message):
        _fit(estimator, X, sample_domain=sample_domain)


_CLASSIFIERS = pytest.mark.parametrize(
    "estimator",
    [SourceOnlyClassifier(LogisticRegression()), ImportanceWeightedClassifier()],
    ids=lambda e: type(e).__name__,
)


@_CLASSIFIERS
@pytest.mark.parametrize(
    ("y", "message"),
    [
        (Y[:-1], "inconsistent numbers of samples"),
        (np.c_[Y, Y], "expects y of shape"),
        (np.where(SD > 0, 1, -1), "two classes in the labelled rows of y"),
        (-np.ones(40, dtype=int), "no source rows"),
    ],
    ids=["short", "2d", "one-class", "all-unlabeled"],
)
def test_bad_y(estimator, y, message):
    sample_domain = None if message == "no source rows" else SD
    with pytest.raises(ValueError, match=message):
        _fit(estimator, X, y, sample_domain)


@_CLASSIFIERS
def test_a_class_called_minus_one_warns_that_its_rows_are_dropped(estimator):
    y = np.where(SD > 0, np.arange(40) % 3 - 1, -1)  # classes -1, 0, 1
    with pytest.warns(UnlabeledSourceRowsWarning, match="LabelEncoder"):
        fitted = _fit(estimator, X, y)
    assert list(fitted.classes_) == [0, 1]


@_CLASSIFIERS
def test_a_class_called_minus_one_leaving_one_class_says_why(estimator):
    y = np.where(SD > 0, np.where(np.arange(40) % 2, 1, -1), -1)
    with (
        pytest.warns(UnlabeledSourceRowsWarning),
        pytest.raises(ValueError, match="-1 is reserved.*LabelEncoder"),
    ):
        _fit(estimator, X, y)


def test_unlabeled_rows_without_sample_domain_are_target_rows_without_warning():
    with _no_warning(UnlabeledSourceRowsWarning):
        SourceOnlyClassifier(LogisticRegression()).fit(X, Y)


# -- the caller's data is never modified ---------------------------------------


@TABULAR
def test_arrays_are_not_modified(estimator):
    X_in, y_in, sd_in = X.copy(), Y.copy(), SD.copy()
    fitted = _fit(estimator, X_in, y_in, sd_in)
    if hasattr(fitted, "transform"):
        fitted.fit_transform(X_in, sample_domain=sd_in)
    np.testing.assert_array_equal(X_in, X)
    np.testing.assert_array_equal(y_in, Y)
    np.testing.assert_array_equal(sd_in, SD)


@TABULAR
def test_data_frames_are_not_modified_and_their_names_are_kept(estimator):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    before = frame.copy()
    fitted = _fit(estimator, frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(fitted.feature_names_in_) == ["a", "b", "c"]


# -- reweighting: memory and collapsed weights ---------------------------------


def test_kmm_exact_kernel_past_the_memory_budget_points_to_n_components(
    monkeypatch,
):
    # The real budget (2 GiB) is passed at 23,171 source rows; a small one
    # shows the same refusal without the rows.
    monkeypatch.setattr(_kmm, "_EXACT_GRAM_BUDGET", 4 * 19**2)
    with pytest.raises(ValueError, match="n_components='auto' or an int"):
        KMMReweighter(n_components=None).fit(X, sample_domain=SD)


def test_kmm_60000_rows_exact_kernel_is_refused_before_allocating():
    rng = np.random.RandomState(0)
    X_big = rng.normal(size=(60_000, 2)).astype(np.float32)
    sample_domain = np.r_[np.ones(59_000, dtype=int), -np.ones(1_000, dtype=int)]
    with pytest.raises(ValueError, match=r"13\.0 GiB.*n_components"):
        KMMReweighter(n_components=None).fit(X_big, sample_domain=sample_domain)


@pytest.mark.parametrize(
    "weighter",
    [KMMReweighter(), DensityRatioWeighter(random_state=0)],
    ids=lambda e: type(e).__name__,
)
def test_weights_collapsing_on_a_few_rows_warn(weighter):
    rng = np.random.RandomState(0)
    X_shift = np.r_[rng.normal(size=(200, 2)), rng.normal(2.5, 0.2, size=(100, 2))]
    sample_domain = np.r_[np.ones(200, dtype=int), -np.ones(100, dtype=int)]
    with pytest.warns(SmallEffectiveSampleSizeWarning, match="effective sample size"):
        weighter.fit(X_shift, sample_domain=sample_domain)
    assert weighter.effective_sample_size_ < 10


def test_weights_of_one_domain_drawn_twice_do_not_warn():
    rng = np.random.RandomState(0)
    X_same = rng.normal(size=(300, 2))
    sample_domain = np.r_[np.ones(200, dtype=int), -np.ones(100, dtype=int)]
    with _no_warning(SmallEffectiveSampleSizeWarning):
        KMMReweighter().fit(X_same, sample_domain=sample_domain)


# -- metrics ---------------------------------------------------------------------


def test_mmd2_of_one_row_each_and_of_identical_samples():
    assert np.isfinite(mmd2(X[:1], X[1:2]))
    assert mmd2(np.ones((5, 3)), np.ones((5, 3))) == pytest.approx(0.0)
    assert mmd_test(np.ones((5, 3)), np.ones((5, 3)), random_state=0).pvalue == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X_source": X[:0]}, "0 sample"),
        ({"X_source": X[:, :2]}, "X_source has 2 features per row but X_target has 3"),
        ({"sample_weight": np.ones(3)}, "sample_weight has shape"),
        ({"sample_weight": -np.ones(40)}, "sample_weight must be non-negative"),
    ],
    ids=["empty", "features", "weights-length", "weights-negative"],
)
def test_mmd2_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mmd2(**{"X_source": X, "X_target": X, **kwargs})


def test_proxy_a_distance_on_fewer_rows_than_folds_names_cv():
    with pytest.raises(ValueError, match="cv=5.*Lower cv"):
        proxy_a_distance(X[:2], X[2:4])
    assert 0 <= proxy_a_distance(X[:4], X[4:8], cv=2, random_state=0) <= 2


# -- model selection -------------------------------------------------------------


@pytest.mark.parametrize(
    "scorer",
    [
        ImportanceWeightedScorer(),
        PredictionEntropyScorer(),
        SoftNeighborhoodDensityScorer(),
    ],
    ids=lambda s: type(s).__name__,
)
def test_scorers_on_a_fold_without_target_rows(scorer):
    clf = SourceOnlyClassifier(LogisticRegression()).fit(X, Y, sample_domain=SD)
    with pytest.raises(ValueError, match="no target rows in the validation fold"):
        scorer(clf, X[:20], Y[:20], sample_domain=SD[:20])


def test_splitters_validate_their_groups():
    with pytest.raises(ValueError, match="sample_domain must hold integers"):
        list(DomainShuffleSplit(random_state=0).split(X, Y, SD.astype(float)))
    with pytest.raises(ValueError, match="groups=sample_domain"):
        list(LeaveOneDomainOut().split(X, Y))
    with pytest.raises(ValueError, match="at least two source domains"):
        list(LeaveOneDomainOut().split(X, Y, SD))


# -- data set builders -------------------------------------------------------------


def test_dataset_builders_name_the_bad_parameter():
    with pytest.raises(ValueError, match="n_source=100000 exceeds"):
        make_digits_shift("uci", "mnist", n_source=100_000, n_target=10)
    with pytest.raises(ValueError, match="X_gray must hold values in"):
        make_mnist_m(np.full((2, 1, 28, 28), 255.0))
    with pytest.raises(ValueError, match="target_fraction"):
        make_biased_selection(target_fraction=1.5)


# -- deep nets -------------------------------------------------------------------

_NET = {"max_epochs": 1, "batch_size": 16, "random_state": 0, "verbose": 0}


@pytest.fixture(scope="module")
def images():
    X_img, y, sample_domain = make_digits_shift(
        "mnist", "uci", n_source=40, n_target=40, return_X_y=True, random_state=0
    )
    return X_img.astype(np.float32), np.where(sample_domain > 0, y, -1), sample_domain


def _snapshot(module):
    return (
        {k: v.clone() for k, v in module.state_dict().items()},
        [m.training for m in module.modules()],
    )


def _assert_unchanged(module, snapshot):
    state, modes = snapshot
    assert [m.training for m in module.modules()] == modes
    for key, value in module.state_dict().items():
        assert torch.equal(value, state[key]), key


class _FlatFeatures(nn.Module):
    def __init__(self, n_inputs=784):
        super().__init__()
        self.n_outputs = 16
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Linear(n_inputs, 16), nn.BatchNorm1d(16)
        )

    def forward(self, X):
        return self.layers(X)


def test_dann_does_not_train_the_callers_feature_extractor(images):
    X_img, y, sd = images
    fe = _FlatFeatures()
    before = _snapshot(fe)
    net = DANNClassifier(module__feature_extractor=fe, **_NET).fit(X_img, y, sd)
    _assert_unchanged(fe, before)
    assert net.module_.feature_extractor is not fe


@pytest.mark.parametrize("net_class", [DANNClassifier, DomainConfusionClassifier])
def test_channels_last_images_give_the_channels_first_result(images, net_class):
    X_img, y, sd = images
    X_last = np.ascontiguousarray(X_img.transpose(0, 2, 3, 1))
    kwargs = {**_NET, "adapt_batchnorm": False}
    if net_class is DomainConfusionClassifier:
        kwargs["pretrain_epochs"] = 1
    first = net_class(**kwargs).fit(X_img, y, sd)
    last = net_class(**kwargs).fit(X_last, y, sd)
    np.testing.assert_allclose(
        last.predict_proba(X_last), first.predict_proba(X_img), rtol=1e-4, atol=1e-5
    )


def test_images_of_another_size_at_predict_name_both_shapes(images):
    X_img, y, sd = images
    net = DANNClassifier(**_NET).fit(X_img, y, sd)
    X_32 = np.zeros((3, 1, 32, 32), dtype=np.float32)
    with pytest.raises(ValueError, match=r"\(1, 32, 32\).*\(1, 28, 28\)"):
        net.predict(X_32)


def test_domain_confusion_on_one_source_row_says_how_many_are_needed():
    # Semi-supervised: the target row's label makes two classes, but the
    # pretraining on the source has one row for its batch norm.
    X_two = X[:2].astype(np.float32)
    with pytest.raises(ValueError, match="at least 2 of them; got 1"):
        DomainConfusionClassifier(**_NET).fit(X_two, [0, 1], [1, -1])


def test_deep_nets_validate_like_the_tabular_estimators(images):
    X_img, y, sd = images
    with pytest.raises(ValueError, match="sample_domain has 79 entries"):
        DANNClassifier(**_NET).fit(X_img, y, sd[:-1])
    with pytest.raises(ValueError, match="needs numeric X"):
        DANNClassifier(**_NET).fit(
            np.full((4, 3), "a", dtype=object), Y[18:22], SD[18:22]
        )


def test_five_dimensional_rows_into_a_net_name_data_format():
    X_5d = np.zeros((4, 1, 2, 2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="3 or 4 dimensions.*data_format='none'"):
        DANNClassifier(**_NET).fit(X_5d, Y[18:22], SD[18:22])


def test_dann_leaves_a_data_frame_as_it_was():
    frame = pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c"])
    before = frame.copy()
    DANNClassifier(**_NET).fit(frame, Y, SD)
    pd.testing.assert_frame_equal(frame, before)


def _logits_teacher():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 2)
    )


def test_distillation_leaves_a_torch_teacher_in_its_mode():
    teacher = _logits_teacher().train()
    before = _snapshot(teacher)
    DistilledClassifier(teacher, **_NET).fit(X.astype(np.float32), np.arange(40) % 2)
    _assert_unchanged(teacher, before)


def test_distillation_on_a_transfer_set_alone_learns_the_soft_targets():
    teacher = LogisticRegression().fit(X, np.where(X[:, 0] > 0, "b", "a"))
    student = DistilledClassifier(teacher, **_NET).fit(
        X.astype(np.float32), np.full(40, -1)
    )
    assert list(student.classes_) == ["a", "b"]
    torch_student = DistilledClassifier(_logits_teacher(), **_NET).fit(
        X.astype(np.float32), None
    )
    assert list(torch_student.classes_) == [0, 1]


def test_distillation_without_labels_needs_a_fitted_teacher():
    with pytest.raises(ValueError, match="needs a fitted teacher"):
        DistilledClassifier(LogisticRegression(), **_NET).fit(
            X.astype(np.float32), np.full(40, -1)
        )


def _small_body():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())


def test_fine_tuning_few_images_with_early_stopping_names_it(images):
    X_img, y, _ = images
    y10 = np.arange(30) % 10
    with pytest.raises(ValueError, match="early_stopping.*validation_fraction"):
        FineTunedClassifier(_small_body(), **_NET).fit(X_img[:30], y10)


def test_fine_tuning_and_features_leave_the_callers_modules_as_they_were(images):
    X_img, _, _ = images
    body, head = _small_body().train(), nn.Linear(4, 2).train()
    before = _snapshot(body), _snapshot(head)
    FineTunedClassifier(body, head=head, early_stopping=False, **_NET).fit(
        X_img[:20], np.arange(20) % 2
    )
    DeepFeatureTransformer(body).fit(X_img[:4]).transform(X_img[:4])
    _assert_unchanged(body, before[0])
    _assert_unchanged(head, before[1])


def test_weights_of_another_network_name_weights(tmp_path):
    path = tmp_path / "other.pt"
    torch.save(nn.Linear(5, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"weights \(.*other\.pt\) do not fit"):
        load_model(nn.Linear(3, 2), weights=path)


# -- helpers -----------------------------------------------------------------------


@contextlib.contextmanager
def _no_warning(category):
    """Fail when a warning of ``category`` is raised in the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", category)
        yield


# == Label shift: the estimators, the test, the display, the data =============

# -- data -----------------------------------------------------------------

X_LS = _RNG.normal(size=(60, 3))
Y_LS = np.r_[np.arange(30) % 2, -np.ones(30, dtype=int)]
SD_LS = np.r_[np.ones(30, dtype=int), -np.ones(30, dtype=int)]


class _OnlyOnEveryRow(ClassifierMixin, BaseEstimator):
    """Fits on all the labelled source rows only: a fold's fit fails the test.

    So a check that passes with it ran before any fold was fitted.
    """

    def fit(self, X, y):
        if len(y) < 30:
            raise AssertionError("a fold was fitted before the check")
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.size), 1 / self.classes_.size)


ESTIMATORS = pytest.mark.parametrize(
    "estimator",
    [
        LabelShiftClassifier(_OnlyOnEveryRow(), n_bootstrap=5),
        LabelShiftReweighter(_OnlyOnEveryRow(), n_bootstrap=5),
    ],
    ids=lambda e: type(e).__name__,
)


# -- target_priors, cv: refused before the folds are fitted ----------------------


@ESTIMATORS
@pytest.mark.parametrize(
    ("target_priors", "message"),
    [
        ([1.0], r"must hold 2 finite .* got shape \(1,\)"),
        ([[0.5, 0.5]], r"got shape \(1, 2\)"),
        ([1.0, 1.0], "they sum to 2: divide them by their sum"),
        ([1.5, -0.5], r"non-negative .* got \[1.5, -0.5\]"),
        ([np.nan, 1.0], r"finite .* got \[nan, 1.0\]"),
        (["a", "b"], r"must hold 2 finite .* got \['a', 'b'\]"),
    ],
    ids=["short", "2d", "sum-2", "negative", "nan", "strings"],
)
def test_bad_target_priors_before_the_folds(estimator, target_priors, message):
    estimator = clone(estimator).set_params(target_priors=target_priors)
    with pytest.raises(ValueError, match=message):
        estimator.fit(X_LS, Y_LS, sample_domain=SD_LS)


class _NeverFitted(_OnlyOnEveryRow):
    def fit(self, X, y):
        raise AssertionError("the estimator was fitted before the check")


def test_bad_target_priors_before_the_classifier_is_fitted_at_all():
    clf = LabelShiftClassifier(_NeverFitted(), target_priors=[0.5, 0.6])
    with pytest.raises(ValueError, match="they sum to 1.1"):
        clf.fit(X_LS, Y_LS, sample_domain=SD_LS)


@ESTIMATORS
def test_folds_that_miss_a_class_before_the_folds(estimator):
    # Fold 0 trains on rows 10-29 of the source only, every one of class 1.
    y = np.where(np.arange(60) < 10, 0, Y_LS)
    y[10:30] = 1
    folds = [(np.arange(10, 30), np.arange(10)), (np.arange(10), np.arange(10, 30))]
    with pytest.raises(ValueError, match=r"fold 0 hold no row of the classes \[0\]"):
        clone(estimator).set_params(cv=folds).fit(X_LS, y, sample_domain=SD_LS)


@ESTIMATORS
def test_folds_that_leave_rows_out_before_the_folds(estimator):
    folds = [(np.arange(10, 30), np.arange(10)), (np.arange(10), np.arange(10, 20))]
    with pytest.raises(ValueError, match="10 rows are never held out"):
        clone(estimator).set_params(cv=folds).fit(X_LS, Y_LS, sample_domain=SD_LS)


@ESTIMATORS
def test_a_known_prior_of_zero_gives_the_class_no_probability(estimator):
    fitted = clone(estimator).set_params(
        estimator=LogisticRegression(), target_priors=[1.0, 0.0], calibration=None
    )
    fitted.fit(X_LS, Y_LS, sample_domain=SD_LS)
    np.testing.assert_array_equal(fitted.class_weights_, [2.0, 0.0])
    if hasattr(fitted, "predict_proba"):
        np.testing.assert_array_equal(fitted.predict_proba(X_LS)[:, 1], 0.0)


@ESTIMATORS
def test_one_class_in_the_source(estimator):
    with pytest.raises(ValueError, match="at least two classes in the labelled rows"):
        clone(estimator).fit(X_LS, np.where(SD_LS > 0, 1, -1), sample_domain=SD_LS)


def test_a_frozen_classifier_of_other_classes_names_them():
    frozen = FrozenEstimator(LogisticRegression().fit(X_LS[:30], np.arange(30) % 3))
    with pytest.raises(ValueError, match=r"knows the classes \[0, 1, 2\].*\[0, 1\]"):
        LabelShiftReweighter(frozen, n_bootstrap=0).fit(X_LS, Y_LS, sample_domain=SD_LS)


# -- estimate_target_priors -------------------------------------------------------

_P = np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.1, 0.9]])
_Y = np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("proba_source", "proba_target", "message"),
    [
        (_P * 2, _P, r"proba_source must hold probabilities.*summing to \[2, 2\]"),
        (_P, _P - 0.5, r"proba_target must hold probabilities.*\[-0.4, 0.4\]"),
        (_P, np.log(_P), "decision_function's are not probabilities"),
        (_P, _P[:0], "proba_target needs at least one row"),
        (_P, np.full((2, 3), 1 / 3), "one column per class"),
    ],
    ids=["sum-2", "negative", "logits", "empty-target", "columns"],
)
def test_estimate_target_priors_refuses_what_are_not_probabilities(
    proba_source, proba_target, message
):
    with pytest.raises(ValueError, match=message):
        estimate_target_priors(proba_source, _Y, proba_target)


def test_estimate_target_priors_reads_whole_float_labels_as_indices():
    expected = estimate_target_priors(_P, _Y, _P[:3], calibration=None)
    floats = estimate_target_priors(_P, _Y.astype(float), _P[:3], calibration=None)
    np.testing.assert_array_equal(floats, expected)
    with pytest.raises(ValueError, match="class indices 0 .. 1"):
        estimate_target_priors(_P, _Y + 0.5, _P[:3])


# -- label_shift_test ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("y_source", "X_target", "message"),
    [
        (np.zeros(30, int), X_LS[30:], r"at least two classes in y_source; got \[0\]"),
        (-np.ones(30, int), X_LS[30:], r"at least two classes in y_source; got \[\]"),
        (Y_LS[:30], X_LS[30:30], "X_target needs at least one row"),
        (Y_LS[:30], X_LS[30:, :2], "X_source has 3 features and X_target 2"),
    ],
    ids=["one-class", "all-unlabeled", "no-target", "columns"],
)
def test_label_shift_test_bad_input_before_the_folds(y_source, X_target, message):
    with pytest.raises(ValueError, match=message):
        label_shift_test(X_LS[:30], y_source, X_target, estimator=_OnlyOnEveryRow())


# -- LabelShiftDisplay ---------------------------------------------------------------


def test_display_of_an_unfitted_or_other_estimator():
    with pytest.raises(NotFittedError):
        LabelShiftDisplay.from_estimator(LabelShiftClassifier())
    with pytest.raises(ValueError, match="draws the priors of a LabelShiftClassifier"):
        LabelShiftDisplay.from_estimator(LogisticRegression().fit(X_LS[:30], Y_LS[:30]))


def test_display_arrays_of_another_length_name_the_array():
    fitted = LabelShiftReweighter(n_bootstrap=0).fit(X_LS, Y_LS, sample_domain=SD_LS)
    with pytest.raises(
        ValueError, match=r"true_priors has shape \(3,\); expected \(2,\)"
    ):
        LabelShiftDisplay.from_estimator(fitted, true_priors=[0.2, 0.3, 0.5])
    with pytest.raises(
        ValueError, match=r"interval has shape \(2,\); expected \(2, 2\)"
    ):
        LabelShiftDisplay(
            classes=[0, 1],
            source_priors=[0.5, 0.5],
            target_priors=[0.8, 0.2],
            interval=[0.7, 0.9],
        ).plot()
    with pytest.raises(
        ValueError, match=r"target_priors has shape \(1,\); expected \(2,\)"
    ):
        LabelShiftDisplay(
            classes=[0, 1], source_priors=[0.5, 0.5], target_priors=[1.0]
        ).plot()


# -- make_label_shift ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alpha": 1e-6}, r"'alpha' parameter .* range \[0.01, inf\)"),
        ({"target_fraction": 0.01}, "target_fraction=0.01 leaves a target pool of 2"),
        (
            {"target_fraction": 0.02, "target_priors": "knock_out", "random_state": 3},
            r"0.02 leaves a target pool of 3 rows, of the classes \[0\]",
        ),
        ({"target_fraction": 0.99}, "target_fraction=0.99 leaves a source of 2 rows"),
        ({"target_priors": [np.inf, 0.5, 0.5]}, r"finite .* got \[inf, 0.5, 0.5\]"),
        ({"target_priors": ["a", "b", "c"]}, r"must hold 3 finite .* got \['a'"),
        ({"target_priors": [0, 0, 0]}, "not all zero"),
    ],
    ids=[
        "tiny-alpha",
        "tiny-pool",
        "knocked-out-pool",
        "tiny-source",
        "inf",
        "str",
        "zeros",
    ],
)
def test_make_label_shift_names_the_parameter(params, message):
    with pytest.raises(ValueError, match=message):
        make_label_shift("iris", **{"random_state": 0, **params})


# == Model selection: scorers, splitters, the refit rule, the display =========

# -- data -----------------------------------------------------------------

# The true labels of the target rows, as the data set builders return them.
Y_TRUE = np.r_[np.arange(20) % 2, (X[20:, 0] > 0).astype(int)]

UNSUPERVISED = [
    ImportanceWeightedScorer(),
    PredictionEntropyScorer(),
    SoftNeighborhoodDensityScorer(),
    DeepEmbeddedValidationScorer(random_state=0),
    ReverseValidationScorer(),
]
SCORERS = pytest.mark.parametrize(
    "scorer", [*UNSUPERVISED, TargetLabelScorer()], ids=lambda s: type(s).__name__
)


def _classifier(X_fit=X):
    return SourceOnlyClassifier(LogisticRegression()).fit(X_fit, Y, sample_domain=SD)


@pytest.fixture(scope="module")
def wine():
    return make_biased_selection("wine", return_X_y=True, random_state=0)


# -- scorers: sparse X --------------------------------------------------------


@pytest.mark.parametrize(
    "scorer",
    [
        PredictionEntropyScorer(),
        SoftNeighborhoodDensityScorer(),
        ReverseValidationScorer(),
        TargetLabelScorer(),
        ImportanceWeightedScorer(LabelShiftReweighter(n_bootstrap=5, random_state=0)),
    ],
    ids=lambda s: type(s).__name__,
)
def test_scorers_on_sparse_X_give_the_dense_result(scorer):
    X_sparse = sp.csr_matrix(X)
    dense = scorer(_classifier(), X, Y_TRUE, sample_domain=SD)
    score = scorer(_classifier(X_sparse), X_sparse, Y_TRUE, sample_domain=SD)
    assert score == pytest.approx(dense, rel=1e-9)


def test_importance_weighting_sparse_X_with_a_dense_weighter_names_the_fix():
    X_sparse = sp.csr_matrix(X)
    with pytest.raises(
        ValueError,
        match="X is sparse, and its weighter DensityRatioWeighter takes dense X "
        r"only\. Pass X\.toarray\(\).*LabelShiftReweighter",
    ):
        ImportanceWeightedScorer()(_classifier(X_sparse), X_sparse, Y)


def test_deep_embedded_validation_on_sparse_features_names_the_fix():
    X_sparse = sp.csr_matrix(X)
    with pytest.raises(
        ValueError,
        match=r"features of SourceOnlyClassifier are a sparse matrix of shape "
        r"\(40, 3\).*TruncatedSVD",
    ):
        DeepEmbeddedValidationScorer()(_classifier(X_sparse), X_sparse, Y)


# -- scorers: the estimator ------------------------------------------------------


@SCORERS
def test_scorers_refuse_an_unfitted_estimator(scorer):
    with pytest.raises(NotFittedError, match="SourceOnlyClassifier instance is not"):
        scorer(SourceOnlyClassifier(), X, Y_TRUE, sample_domain=SD)


@SCORERS
def test_scorers_refuse_a_classifier_that_learned_minus_one_as_a_class(scorer):
    # A plain classifier fitted on the one-table convention.
    plain = LogisticRegression().fit(X, Y)
    with pytest.raises(
        ValueError, match="has -1 among its classes_.*wrap it in SourceOnlyClassifier"
    ):
        scorer(plain, X, Y_TRUE, sample_domain=SD)


@pytest.mark.parametrize(
    ("loss", "task"),
    [
        ("log_loss", "regressor"),
        ("zero_one", "regressor"),
        ("squared_error", "classifier"),
    ],
)
def test_deep_embedded_validation_loss_of_the_other_task(loss, task):
    if task == "regressor":
        y = np.where(Y < 0, np.nan, X[:, 1])
        estimator = SourceOnlyRegressor(Ridge()).fit(X, y)
        fix = "pass loss='squared_error', or None"
    else:
        y, estimator = Y, _classifier()
        fix = "pass loss='log_loss' or loss='zero_one', or None"
    with pytest.raises(ValueError, match=rf"\(loss='{loss}'\).*{fix}"):
        DeepEmbeddedValidationScorer(loss=loss)(estimator, X, y)


# -- label-free selection on y that keeps the target labels --------------------


@pytest.mark.parametrize("scorer", UNSUPERVISED, ids=lambda s: type(s).__name__)
def test_scorers_on_unmasked_labels_without_sample_domain_say_what_to_do(scorer):
    with pytest.raises(
        ValueError,
        match=r"no sample_domain reached the scorer and y has a label on every "
        r"row.*y\[sample_domain < 0\] = -1.*enable_metadata_routing=True",
    ):
        scorer(_classifier(), X, Y_TRUE)


def _search(refit=True):
    pipe = make_da_pipeline(
        StandardScaler(), ImportanceWeightedClassifier(LogisticRegression())
    )
    grid = {"importanceweightedclassifier__estimator__C": [0.1, 1.0]}
    return GridSearchCV(
        pipe,
        grid,
        cv=DomainShuffleSplit(n_splits=2, random_state=0),
        scoring=PredictionEntropyScorer(),
        refit=refit,
    )


def test_search_on_unmasked_labels_stops_at_the_split_before_any_fit(wine):
    X_wine, y, _ = wine
    search = _search()
    with pytest.raises(
        ValueError,
        match=r"DomainShuffleSplit found no target rows.*y\[sample_domain < 0\] = "
        r"-1.*StratifiedShuffleSplit",
    ):
        search.fit(X_wine, y)
    assert not hasattr(search, "cv_results_")


def test_search_whose_scorer_fails_on_every_fold_never_picks_silently(wine):
    # Routing off: groups reach the splitter, but nothing tells the scorer
    # which rows are target rows.
    X_wine, y, sample_domain = wine
    rule = BaselineUnlessBetter(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(
            ValueError,
            match=r"Every candidate's mean_test_score is NaN.*error_score='raise'"
            r".*y\[sample_domain < 0\] = -1",
        ):
            _search(refit=rule).fit(X_wine, y, groups=sample_domain)
    # Without the rule, scikit-learn's warning carries the scorer's fix.
    with pytest.warns(
        UserWarning, match=r"Scoring failed(.|\n)*y\[sample_domain < 0\]"
    ):
        _search().fit(X_wine, y, groups=sample_domain)


# -- splitters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "groups"), [(Y_TRUE, None), (Y, np.ones(40, dtype=int))], ids=["y", "groups"]
)
def test_domain_shuffle_split_without_target_rows_names_the_fix(y, groups):
    with pytest.raises(ValueError, match=r"found no target rows.*y\[sample_domain"):
        next(DomainShuffleSplit().split(X, y, groups))


# -- BaselineUnlessBetter -------------------------------------------------------


def _results(means, splits=None):
    results = {"params": [{"c": k} for k in range(len(means))]}
    results["mean_test_score"] = np.asarray(means, dtype=float)
    for k, split in enumerate(splits or []):
        results[f"split{k}_test_score"] = np.asarray(split, dtype=float)
    return results


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"baseline": None}, "baseline"),
        ({"baseline": "source only"}, "baseline"),
        ({"baseline": True}, "baseline"),
        ({"baseline": -1}, "baseline"),
        ({"baseline": 0, "n_se": -1.0}, "n_se"),
        ({"baseline": 0, "n_se": float("nan")}, "n_se"),
        ({"baseline": 0, "scoring": 3}, "scoring"),
    ],
)
def test_baseline_unless_better_names_the_bad_parameter(params, name):
    rule = BaselineUnlessBetter(**params)
    message = rf"The '{name}' parameter of BaselineUnlessBetter must be"
    with pytest.raises(ValueError, match=message):
        rule(_results([0.5, 0.6]))
    with pytest.raises(ValueError, match=message):
        rule.check({"c": [0, 1]})


def test_baseline_unless_better_on_multi_metric_results_names_the_metrics():
    results = {
        "params": [{"c": 0}, {"c": 1}],
        "mean_test_iw": np.array([0.5, 0.6]),
        "mean_test_entropy": np.array([-0.5, -0.4]),
    }
    with pytest.raises(
        ValueError,
        match=r"\(scoring='score'\) names no metric of the search\. Its metrics are "
        r"\['entropy', 'iw'\]",
    ):
        BaselineUnlessBetter(0)(results)


@pytest.mark.parametrize(
    ("cv_results", "message"),
    [
        ([0.5, 0.6], "reads a search's cv_results_, a dict; got list"),
        ({"mean_test_score": [0.5, 0.6]}, "reads the candidates' params"),
    ],
)
def test_baseline_unless_better_on_something_else_than_cv_results(cv_results, message):
    with pytest.raises(ValueError, match=message):
        BaselineUnlessBetter(0)(cv_results)


def test_baseline_unless_better_refuses_scores_that_are_all_nan():
    with pytest.raises(ValueError, match="Every candidate's mean_test_score is NaN"):
        BaselineUnlessBetter(0)(_results([np.nan, np.nan]))


def test_baseline_unless_better_refuses_a_baseline_without_a_score():
    results = _results([np.nan, 0.6], [[np.nan, 0.6], [0.5, 0.6]])
    with pytest.raises(ValueError, match=r"baseline's mean_test_score \(candidate 0\)"):
        BaselineUnlessBetter(0)(results)


def test_baseline_unless_better_never_picks_a_candidate_without_a_score():
    # Candidate 1 failed on a fold; candidate 2 gains 0.1 on both folds.
    results = _results([0.5, np.nan, 0.6], [[0.5, np.nan, 0.6], [0.5, 0.9, 0.6]])
    assert BaselineUnlessBetter(0)(results) == 2


# -- ModelSelectionDisplay ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule_scores": [0.8]}, r"rule_scores must be a non-empty dict.*got \[0\.8\]"),
        ({"rule_scores": {}}, "rule_scores must be a non-empty dict"),
        (
            {"rule_scores": {"a": [0.8, 0.7, 0.9]}},
            r"one score per draw.*\"rule_scores\['a'\]\": 3",
        ),
        ({"rule_scores": {"a": [0.8, np.nan]}}, r"rule_scores\['a'\] holds NaN"),
        ({"rule_scores": {"a": [[0.8, 0.7]]}}, r"rule_scores\['a'\] must be a non-emp"),
        ({"baseline_scores": ["x", "y"]}, "baseline_scores must be an array of scores"),
        ({"hindsight_scores": []}, "hindsight_scores must be a non-empty 1-D"),
    ],
)
def test_model_selection_display_bad_scores(kwargs, message):
    good = {
        "rule_scores": {"a": [0.8, 0.7]},
        "baseline_scores": [0.7, 0.7],
        "hindsight_scores": [0.9, 0.8],
    }
    with pytest.raises(ValueError, match=message):
        ModelSelectionDisplay(**{**good, **kwargs})


_CV_RESULTS = {
    "mean_test_entropy": np.array([-0.2, -0.5, -0.1]),
    "mean_test_weighted": np.array([0.6, 0.9, 0.7]),
}


@pytest.mark.parametrize(
    ("cv_results", "kwargs", "message"),
    [
        (
            GridSearchCV(LogisticRegression(), {"C": [1.0]}),
            {},
            "cv_results_, a dict; got GridSearchCV. Pass search.cv_results_",
        ),
        (
            _CV_RESULTS,
            {"scorers": ["weigthed"]},
            r"no mean_test_<name> for the scorer\(s\) \['weigthed'\]; did you mean "
            r"\['weighted'\].*Its scorers are: \['entropy', 'weighted'\]",
        ),
        (_CV_RESULTS, {"scorers": "entropy"}, "scorers must be a non-empty list"),
        (_CV_RESULTS, {"scorers": []}, "scorers must be a non-empty list"),
        (
            {"mean_test_entropy": [-0.2], "mean_test_weighted": [0.6, 0.9]},
            {"scorers": ["entropy", "weighted"]},
            "one score per candidate, as many for each",
        ),
        (
            _CV_RESULTS,
            {"target_scores": [0.7, 0.8]},
            r"one score per candidate of cv_results \(3\); got an array of shape "
            r"\(2,\)",
        ),
        (_CV_RESULTS, {"baseline_index": 3}, r"an int in \[0, 3\); got 3"),
        (_CV_RESULTS, {"baseline_index": True}, r"an int in \[0, 3\); got True"),
        (
            {"mean_test_entropy": np.full(3, np.nan)},
            {"scorers": ["entropy"]},
            "Every candidate's mean_test_entropy is NaN",
        ),
    ],
)
def test_model_selection_display_from_mismatched_cv_results(
    cv_results, kwargs, message
):
    good = {
        "target_scores": [0.7, 0.82, 0.76],
        "scorers": ["entropy", "weighted"],
        "baseline_index": 0,
    }
    arguments = {**good, **kwargs}
    with pytest.raises(ValueError, match=message):
        ModelSelectionDisplay.from_cv_results(
            cv_results, arguments.pop("target_scores"), **arguments
        )


def test_scorers_leave_the_inputs_as_they_were(wine):
    X_wine, y, sample_domain = wine
    copies = [a.copy() for a in (X_wine, y, sample_domain)]
    clf = make_da_pipeline(StandardScaler(), SourceOnlyClassifier()).fit(
        X_wine, y, sample_domain=sample_domain
    )
    for scorer in [*UNSUPERVISED, TargetLabelScorer()]:
        clone(scorer)(clf, X_wine, y, sample_domain=sample_domain)
    for original, copy in zip((X_wine, y, sample_domain), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


# == Shift measures, weighters and their displays =============================


# -- data -----------------------------------------------------------------

STRINGS = np.full((40, 3), "a", dtype=object)


class _NoTransformYet(TransformerMixin, BaseEstimator):
    """A fitted transformer whose transform fails the test.

    So a check that passes with it ran before the features were computed.
    """

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X, sample_domain=None):
        raise AssertionError("transform ran before the check")


_FITTED = _NoTransformYet().fit(X)


# -- DomainShiftDisplay.from_estimator ------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "kwargs", "error", "message"),
    [
        (SubspaceAlignment(2), {}, NotFittedError, "not fitted yet"),
        (
            KMMReweighter().fit(X, sample_domain=SD),
            {},
            ValueError,
            "draws the features of a fitted transformer.*KMMReweighter has no "
            "transform",
        ),
        (_FITTED, {"y": Y[:-1]}, ValueError, r"y has shape \(39,\); expected \(40,\)"),
        (_FITTED, {"sample_domain": SD[:-1]}, ValueError, "sample_domain has 39"),
        (_FITTED, {"method": "umap"}, ValueError, "'method' parameter"),
        (_FITTED, {"hue": "size"}, ValueError, "'hue' parameter"),
        (_FITTED, {"max_samples": 0}, ValueError, "'max_samples' parameter"),
        (_FITTED, {"n_permutations": 0}, ValueError, "'n_permutations' parameter"),
        (
            _FITTED,
            {"max_samples": 3},
            ValueError,
            "needs 5 rows of each domain; got 3 source and 3 target rows "
            r"\(max_samples=3\). Raise max_samples, or pass measure=False",
        ),
    ],
    ids=[
        "unfitted",
        "no-transform",
        "y-short",
        "sample-domain-short",
        "method",
        "hue",
        "max-samples",
        "n-permutations",
        "too-few-rows-to-measure",
    ],
)
def test_domain_shift_display_refuses_before_it_transforms(
    estimator, kwargs, error, message
):
    kwargs = {"sample_domain": SD, **kwargs}
    with pytest.raises(error, match=message):
        DomainShiftDisplay.from_estimator(estimator, X, random_state=0, **kwargs)


def test_domain_shift_display_of_few_rows_without_measures_draws_them():
    display = DomainShiftDisplay.from_estimator(
        None, X, sample_domain=SD, max_samples=3, measure=False, random_state=0
    )
    assert display.embedding.shape == (6, 2)
    assert display.mmd_pvalue is None
    assert display.proxy_a_distance is None


@pytest.mark.parametrize(
    ("X_bad", "message"),
    [
        (X[:, :1], r"two rows and two features; the features drawn have shape"),
        (STRINGS, "X must hold numbers.*OneHotEncoder"),
        (np.where(X > 1.5, np.nan, X), "Input X contains NaN"),
    ],
    ids=["one-feature", "strings", "nan"],
)
def test_domain_shift_display_of_rows_it_cannot_draw(X_bad, message):
    with pytest.raises(ValueError, match=message):
        DomainShiftDisplay.from_estimator(None, X_bad, sample_domain=SD)


def test_domain_shift_display_of_a_list_draws_what_the_array_draws():
    from_list, from_array = (
        DomainShiftDisplay.from_estimator(
            None, rows, Y, sample_domain=SD, random_state=0
        )
        for rows in (X.tolist(), X)
    )
    np.testing.assert_array_equal(from_list.embedding, from_array.embedding)
    assert from_list.mmd_pvalue == from_array.mmd_pvalue


def test_domain_shift_display_tsne_of_fewer_rows_than_its_perplexity():
    # t-SNE's perplexity of 30 must stay below the number of rows.
    display = DomainShiftDisplay.from_estimator(
        None, X[15:25], sample_domain=SD[15:25], method="tsne", measure=False
    )
    assert display.embedding.shape == (10, 2)


@pytest.mark.parametrize("domain", [1, -1], ids=["source", "target"])
def test_domain_shift_display_of_one_domain_draws_it_without_measures(domain):
    display = DomainShiftDisplay.from_estimator(
        None, X, sample_domain=np.full(40, domain), random_state=0
    )
    name = "source" if domain > 0 else "target"
    assert set(display.collections_) == {(name, None)}
    assert display.mmd_pvalue is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"embedding": X},
            r"embedding must hold the two coordinates.*got shape \(40, 3\)",
        ),
        ({"embedding": X[:, 0]}, r"got shape \(40,\)"),
        (
            {"sample_domain": SD[:-1]},
            r"sample_domain has shape \(39,\); expected \(40,\), one entry per "
            "row of embedding",
        ),
        ({"sample_domain": np.zeros(40, dtype=int)}, "sample_domain contains 0"),
        ({"y": Y[:-1]}, r"y has shape \(39,\); expected \(40,\)"),
    ],
    ids=["3-columns", "1-d", "sample-domain-short", "sample-domain-zero", "y-short"],
)
def test_domain_shift_display_arrays_that_do_not_fit_together(kwargs, message):
    display = DomainShiftDisplay(
        **{"embedding": X[:, :2], "sample_domain": SD, **kwargs}
    )
    with pytest.raises(ValueError, match=message):
        display.plot()


# -- ImportanceWeightsDisplay ------------------------------------------------------

_KMM = KMMReweighter().fit(X, sample_domain=SD)


@pytest.mark.parametrize(
    ("weighter", "kwargs", "error", "message"),
    [
        (KMMReweighter(), {}, NotFittedError, "not fitted yet"),
        (
            CORAL().fit(X, sample_domain=SD),
            {},
            ValueError,
            r"draws the source weights of a fitted weighter.*CORAL has no weights_",
        ),
        (_KMM, {"feature": 5}, ValueError, "feature=5 is not a column of X, which "),
        (_KMM, {"feature": 1.0}, ValueError, "feature must be a column index"),
        (
            _KMM,
            {"feature": "a"},
            ValueError,
            "fitted without column names; pass the column's index",
        ),
        (
            _KMM,
            {"X": X[:, :2]},
            ValueError,
            "X has 2 features, but KMMReweighter is expecting 3",
        ),
        (_KMM, {"X": STRINGS}, ValueError, "needs numeric X.*OneHotEncoder"),
        (
            _KMM,
            {"sample_domain": None, "y": Y[:-1]},
            ValueError,
            r"y has shape \(39,\); expected \(40,\)",
        ),
        (
            _KMM,
            {"sample_domain": np.where(np.arange(40) < 19, 1, -1)},
            ValueError,
            r"weights of shape \(20,\) and X 19 source rows: pass the X and the "
            "sample_domain it was fitted on",
        ),
    ],
    ids=[
        "unfitted",
        "no-weights",
        "feature-out-of-range",
        "feature-float",
        "feature-name-without-names",
        "other-features",
        "strings",
        "y-short",
        "other-domains",
    ],
)
def test_importance_weights_display_refuses_what_it_cannot_draw(
    weighter, kwargs, error, message
):
    kwargs = {"X": X, "sample_domain": SD, **kwargs}
    with pytest.raises(error, match=message):
        ImportanceWeightsDisplay.from_estimator(weighter, **kwargs)


def test_importance_weights_display_counts_a_negative_feature_from_the_end():
    display = ImportanceWeightsDisplay.from_estimator(
        _KMM, X, sample_domain=SD, feature=-1
    )
    np.testing.assert_array_equal(display.source_values, X[:20, 2])
    assert display.axes_[1].get_xlabel() == "feature 2"


def test_importance_weights_display_names_a_column_of_a_data_frame():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    kmm = KMMReweighter().fit(frame, sample_domain=SD)
    display = ImportanceWeightsDisplay.from_estimator(
        kmm, frame, sample_domain=SD, feature="b"
    )
    np.testing.assert_array_equal(display.source_values, X[:20, 1])
    assert display.axes_[1].get_xlabel() == "b"


def test_importance_weights_display_without_target_rows_draws_the_source_alone():
    source_only = np.ones(40, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # The fit warns that it adapts nothing.
        kmm = KMMReweighter().fit(X, sample_domain=source_only)
    with warnings.catch_warnings():
        # No density of an empty target: no division by zero to warn about.
        warnings.simplefilter("error", RuntimeWarning)
        display = ImportanceWeightsDisplay.from_estimator(
            kmm, X, sample_domain=source_only
        )
    assert display.target_values.size == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"source_values": np.ones(4)},
            r"source_values has shape \(4,\); expected \(3,\), one entry per row "
            "of weights",
        ),
        ({"weights": np.ones((3, 2))}, r"weights must be a 1-D array.*\(3, 2\)"),
        ({"target_values": np.ones((2, 2))}, "target_values must be a 1-D array"),
    ],
    ids=["lengths", "2-d-weights", "2-d-target-values"],
)
def test_importance_weights_display_arrays_that_do_not_fit_together(kwargs, message):
    arrays = {
        "weights": np.ones(3),
        "source_values": np.ones(3),
        "target_values": np.ones(2),
    }
    display = ImportanceWeightsDisplay(**{**arrays, **kwargs})
    with pytest.raises(ValueError, match=message):
        display.plot()


def test_importance_weights_display_on_one_axes_says_it_needs_two():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="axes must be two matplotlib Axes; got 1"):
        ImportanceWeightsDisplay.from_estimator(_KMM, X, sample_domain=SD, axes=[ax])


# -- shift measures and the effective sample size -----------------------------------


@pytest.mark.parametrize("name", ["X_source", "X_target"])
def test_strings_into_the_shift_measures_name_the_sample(name):
    samples = {"X_source": X, "X_target": X, name: STRINGS}
    with pytest.raises(ValueError, match=f"{name} must hold numbers.*OneHotEncoder"):
        mmd2(**samples)
    with pytest.raises(ValueError, match=f"{name} must hold numbers"):
        mmd_test(**samples)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([np.nan, 1.0], "Input weights contains NaN"),
        ([np.inf, 1.0], "Input weights contains infinity"),
        ([-1.0, 1.0], "non-negative weights; got a minimum of -1"),
        (np.ones((2, 2)), r"1-D array of weights, one per row; got shape \(2, 2\)"),
    ],
    ids=["nan", "inf", "negative", "2-d"],
)
def test_effective_sample_size_of_weights_that_are_not_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        effective_sample_size(weights)


# -- reweighting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"method": "kliep"},
            "method='kliep' chooses gamma by cv=5-fold cross-validation of the "
            "target rows, which needs at least 5 of them; got 3. Lower cv, or "
            "pass one gamma",
        ),
        (
            {"method": "kde", "bandwidth": [0.5, 1.0], "cv": 4},
            "chooses bandwidth by cv=4-fold cross-validation of the target rows, "
            "which needs at least 4 of them; got 3",
        ),
        (
            {"method": "kde", "bandwidth": ["wide"]},
            "bandwidth must be a positive number or a non-empty list of positive "
            r"numbers; got \['wide'\]",
        ),
    ],
    ids=["kliep-cv", "kde-cv", "bandwidth-strings"],
)
def test_density_ratio_searches_name_cv_and_the_fix(params, message):
    with pytest.raises(ValueError, match=message):
        DensityRatioWeighter(**params).fit(X[:23], sample_domain=SD[:23])


def test_density_ratio_with_one_value_needs_no_folds():
    weighter = DensityRatioWeighter("kliep", gamma=0.5).fit(
        X[:23], sample_domain=SD[:23]
    )
    assert weighter.weights_.shape == (20,)


class _Weighter(BaseEstimator):
    """A weighter that stores the weights it was given."""

    def __init__(self, weights=None):
        self.weights = weights

    def fit(self, X, y=None, sample_domain=None):
        self.weights_ = self.weights
        return self


@pytest.mark.parametrize(
    ("weighter", "message"),
    [
        (CORAL(), "The weighter CORAL has no weights_ after fit: pass an estimator"),
        (
            _Weighter(np.ones(19)),
            r"_Weighter gave weights_ of shape \(19,\); expected \(20,\), one weight "
            "per source row",
        ),
        (
            _Weighter(np.r_[np.nan, np.ones(19)]),
            "_Weighter gave weights_ that are not all finite and non-negative",
        ),
        (
            _Weighter(np.r_[-1.0, np.ones(19)]),
            "_Weighter gave weights_ that are not all finite and non-negative",
        ),
    ],
    ids=["no-weights", "short", "nan", "negative"],
)
def test_importance_weighting_with_a_weighter_that_gives_no_weights(weighter, message):
    with pytest.raises(ValueError, match=message):
        ImportanceWeightedClassifier(weighter=weighter).fit(X, Y, sample_domain=SD)


def test_importance_weighting_with_a_sample_weight_of_the_wrong_length():
    with pytest.raises(
        ValueError, match="sample_weight has 3 entries but X has 40 rows"
    ):
        ImportanceWeightedClassifier().fit(
            X, Y, sample_domain=SD, sample_weight=np.ones(3)
        )


def test_importance_weighting_a_pipeline_whose_final_step_takes_no_weights():
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(
        ValueError, match="KNeighborsClassifier.fit takes no sample_weight"
    ):
        ImportanceWeightedClassifier(pipe).fit(X, Y, sample_domain=SD)


def test_importance_weighting_a_pipeline_with_routing_needs_the_final_request():
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), LogisticRegression())
        with pytest.raises(
            ValueError,
            match=r"call set_fit_request\(sample_weight=True\) on "
            "LogisticRegression, the final step",
        ):
            ImportanceWeightedClassifier(pipe).fit(X, Y, sample_domain=SD)


# == Deep nets: saving, augmentations, weights, epochs, displays ==============

X_DEEP = _RNG.normal(size=(40, 3)).astype(np.float32)
# The sizes the tabular data gives the default networks.
_SIZES = {"module__input_shape": (3,), "module__n_outputs": 2}


def _images(n=6, channels=3, size=12, seed=0):
    return torch.rand((n, channels, size, size), generator=_seed(seed))


def _seed(seed):
    return torch.Generator().manual_seed(seed)


def _body():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU())


# -- skorch's save_params / load_params -----------------------------------------

# name -> (make a net from keyword arguments, fit it)
_SAVED = {
    "DANN": (DANNClassifier, lambda net: net.fit(X_DEEP, Y, SD)),
    # A randomised conditional map: its random matrices travel as buffers.
    "CDAN": (
        lambda **kw: CDANClassifier(randomized_dim=8, **kw),
        lambda net: net.fit(X_DEEP, Y, SD),
    ),
    "Deep CORAL": (DeepCORALClassifier, lambda net: net.fit(X_DEEP, Y, SD)),
    "domain confusion": (
        lambda **kw: DomainConfusionClassifier(pretrain_epochs=1, **kw),
        lambda net: net.fit(X_DEEP, np.r_[Y[:20], np.arange(20) % 2], SD),
    ),
    "distillation": (
        lambda **kw: DistilledClassifier(
            LogisticRegression().fit(X_DEEP, np.arange(40) % 2), **kw
        ),
        lambda net: net.fit(X_DEEP, np.arange(40) % 2),
    ),
}


@pytest.mark.parametrize("name", list(_SAVED))
def test_weights_saved_by_skorch_load_into_a_net_given_its_sizes(name, tmp_path):
    make, fit = _SAVED[name]
    fitted = fit(make(**_NET))
    path = tmp_path / "params.pt"
    fitted.save_params(f_params=path)
    fresh = make(**_NET, **_SIZES).initialize()
    fresh.load_params(f_params=path)
    np.testing.assert_array_equal(
        fresh.predict_proba(X_DEEP), fitted.predict_proba(X_DEEP)
    )
    np.testing.assert_array_equal(fresh.transform(X_DEEP), fitted.transform(X_DEEP))
    # The classes are fit's, not the weights': said, not guessed.
    with pytest.raises(
        NotFittedError, match="initialized, not fitted.*Pickle a fitted net"
    ):
        fresh.predict(X_DEEP)


def test_a_regressor_loaded_the_skorch_way_predicts_as_the_fitted_one(tmp_path):
    y = np.r_[X_DEEP[:20, 0], np.full(20, np.nan)]
    fitted = DANNRegressor(**_NET).fit(X_DEEP, y, SD)
    fitted.save_params(f_params=tmp_path / "params.pt")
    sizes = {**_SIZES, "module__n_outputs": 1}
    fresh = DANNRegressor(**_NET, **sizes).initialize()
    fresh.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(fresh.predict(X_DEEP), fitted.predict(X_DEEP))


def test_a_fine_tuned_net_given_its_head_loads_the_skorch_way(tmp_path):
    params = {"early_stopping": False, **_NET}
    fitted = FineTunedClassifier(_body(), head=nn.Linear(4, 2), **params)
    fitted.fit(X_DEEP, np.arange(40) % 2)
    fitted.save_params(f_params=tmp_path / "params.pt")
    fresh = FineTunedClassifier(_body(), head=nn.Linear(4, 2), **params).initialize()
    fresh.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(
        fresh.predict_proba(X_DEEP), fitted.predict_proba(X_DEEP)
    )


@pytest.mark.parametrize(
    ("net", "message"),
    [
        (DANNClassifier(), r"module__input_shape .* and module__n_outputs"),
        (
            DANNClassifier(module__input_shape=(3,)),
            r"\(missing: module__n_outputs\)",
        ),
        (DistilledClassifier(LogisticRegression()), "missing: module__input_shape"),
        (FineTunedClassifier(nn.Linear(3, 4)), r"head as a torch module"),
        (SurrogatePretrainer(), r"fit it\. To keep the pretrained body, save body_"),
    ],
    ids=["no size", "one size", "distillation", "fine-tuning", "surrogate"],
)
def test_initialize_before_a_fit_without_sizes_says_which_to_give(net, message):
    # Before: torch's "optimizer got an empty parameter list".
    with pytest.raises(ValueError, match=message):
        net.initialize()


# -- ImageAugmentation: every layout, numpy and integer pixels --------------------


@pytest.mark.parametrize("as_numpy", [False, True])
def test_channels_last_images_are_augmented_as_their_channels_first_form(as_numpy):
    X_first = _images()
    X_last = X_first.permute(0, 2, 3, 1).contiguous()
    augment = ImageAugmentation()
    expected = augment(X_first, _seed(0)).permute(0, 2, 3, 1)
    if as_numpy:
        X_last = X_last.numpy()
    out = augment(X_last, _seed(0))
    assert isinstance(out, np.ndarray) is as_numpy
    np.testing.assert_array_equal(np.asarray(out), expected.numpy())


def test_grey_images_without_a_channel_axis_keep_their_shape():
    X_DEEP = _images(channels=1)
    out = ImageAugmentation()(X_DEEP[:, 0], _seed(0))
    expected = ImageAugmentation()(X_DEEP, _seed(0))[:, 0]
    assert torch.equal(out, expected)


@pytest.mark.parametrize("as_numpy", [False, True])
def test_integer_pixels_are_augmented_in_float_and_rounded_back(as_numpy):
    X_DEEP = (255 * _images()).round().to(torch.uint8)
    augment = ImageAugmentation()
    as_float = augment(X_DEEP.float(), _seed(0))
    expected = np.clip(np.round(as_float.numpy()), 0, 255).astype(np.uint8)
    out = augment(X_DEEP.numpy() if as_numpy else X_DEEP, _seed(0))
    assert out.dtype in (np.uint8, torch.uint8)
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_a_read_only_array_is_augmented_without_warning():
    X_DEEP = _images().numpy()
    X_DEEP.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ImageAugmentation()(X_DEEP, _seed(0))
    assert out.shape == X_DEEP.shape


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scale": 1.0}, r"scale must be a number in \[0, 1\); got 1.0"),
        ({"grayscale": 1.5}, r"grayscale must be a number in \[0, 1\]"),
        ({"rotation": -5}, r"rotation must be a number in \[0, inf\)"),
        ({"contrast": "high"}, "contrast must be a number"),
        ({"data_format": "none"}, "data_format must be one of"),
    ],
)
def test_augmentation_parameters_are_checked_where_it_is_built(params, message):
    with pytest.raises(ValueError, match=message):
        ImageAugmentation(**params)


@pytest.mark.parametrize(
    ("batch", "error", "message"),
    [
        (torch.zeros(2, 3, 8, 8, dtype=torch.bool), ValueError, "real-valued pixels"),
        (torch.zeros(2, 8), ValueError, r"got shape \(2, 8\)"),
        ([[0.0]], TypeError, "tensor or a numpy array"),
    ],
    ids=["bool", "rows", "list"],
)
def test_augmenting_what_is_not_a_batch_of_images_says_what_is(batch, error, message):
    with pytest.raises(error, match=message):
        ImageAugmentation()(batch)


def test_rotate_images_turns_numpy_images_as_tensors():
    X_DEEP = _images(2, size=5)
    rotated, labels = rotate_images(X_DEEP.numpy())
    expected, expected_labels = rotate_images(X_DEEP)
    assert isinstance(rotated, np.ndarray)
    np.testing.assert_array_equal(rotated, expected.numpy())
    np.testing.assert_array_equal(labels, expected_labels.numpy())


# -- weights of another network ---------------------------------------------------


@pytest.mark.parametrize("as_file", [True, False])
def test_efficientnet_weights_of_another_network_name_weights(tmp_path, as_file):
    pytest.importorskip("efficientnet_lite_pytorch")
    weights = nn.Linear(5, 2).state_dict()
    if as_file:
        torch.save(weights, tmp_path / "other.pt")
        weights = tmp_path / "other.pt"
    # Before: KeyError: '_fc.weight'.
    with pytest.raises(ValueError, match=r"weights \(.*\) do not hold EfficientNet"):
        load_efficientnet_lite0(weights=weights)


def test_efficientnet_weights_of_other_sizes_name_weights():
    pytest.importorskip("efficientnet_lite_pytorch")
    state = load_efficientnet_lite0(weights=None, num_classes=4).state_dict()
    state["_conv_stem.weight"] = torch.zeros(8, 3, 3, 3)
    with pytest.raises(
        ValueError, match=r"weights \(the state dict given\) do not fit"
    ):
        load_efficientnet_lite0(weights=state, num_classes=4)
    with pytest.raises(ValueError, match="weights must be 'imagenet'"):
        load_efficientnet_lite0(weights="imagenet1k")


# -- domains too small for the term -----------------------------------------------


@pytest.mark.parametrize(
    ("cls", "weight", "small"),
    [
        (DeepCORALClassifier, "coral_weight", "target"),
        (DANClassifier, "mmd_weight", "target"),
        # A classifier's single source row would be a single class.
        (DeepCORALRegressor, "coral_weight", "source"),
        (DANRegressor, "mmd_weight", "source"),
    ],
)
def test_a_domain_of_one_row_is_refused_by_the_matching_nets(cls, weight, small):
    rows = np.r_[0:20, 20] if small == "target" else np.r_[0, 20:40]
    y = Y if small == "target" else np.where(SD > 0, X_DEEP[:, 0], np.nan)
    counts = {"target": "20 source and 1 target", "source": "1 source and 20 target"}
    net = cls(**_NET)
    # Before: trained with the term at 0 every epoch, silently.
    with pytest.raises(
        ValueError, match=f"at least 2 rows of each domain.*{counts[small]}"
    ):
        net.fit(X_DEEP[rows], y[rows], SD[rows])
    assert not net.initialized_  # refused before training
    # Without the term there is nothing to refuse.
    source_only = cls(**{**_NET, weight: 0.0}).fit(X_DEEP[rows], y[rows], SD[rows])
    assert source_only.history[-1, source_only._term] == 0.0


# -- no epoch -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "net",
    [
        DANNClassifier(),
        CDANClassifier(),
        MCCClassifier(),
        DANClassifier(),
        DANNRegressor(),
        DistilledClassifier(LogisticRegression()),
        FineTunedClassifier(nn.Linear(3, 2)),
        SurrogatePretrainer(),
    ],
    ids=lambda net: type(net).__name__,
)
def test_max_epochs_zero_is_refused_before_any_work(net):
    net.set_params(max_epochs=0, verbose=0)
    # Before: the network with its random initial weights, silently.
    with pytest.raises(ValueError, match="max_epochs=0 trains nothing.*initialize"):
        net.fit(X_DEEP, Y, SD)
    assert not net.initialized_


def test_domain_confusion_with_no_joint_epoch_keeps_its_source_model():
    y = np.r_[Y[:20], np.arange(20) % 2]
    net = DomainConfusionClassifier(**{**_NET, "max_epochs": 0, "pretrain_epochs": 2})
    assert len(net.fit(X_DEEP, y, SD).history) == 2
    with pytest.raises(ValueError, match="max_epochs=0 with pretrain_epochs=0"):
        net.set_params(pretrain_epochs=0).fit(X_DEEP, y, SD)


# -- surrogate pretraining -----------------------------------------------------------


def test_more_exemplars_than_rows_warns_and_takes_every_row():
    images = _images(20, channels=1, size=16).numpy()
    net = SurrogatePretrainer(task="exemplar", n_exemplars=25, **_NET)
    # Before: cut to the rows without a word.
    with pytest.warns(UserWarning, match="n_exemplars=25 exceeds the 20 rows"):
        net.fit(images)
    np.testing.assert_array_equal(net.exemplar_indices_, np.arange(20))
    assert net.module_.head[-1].out_features == 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SurrogatePretrainer(task="exemplar", n_exemplars=None, **_NET).fit(images)


def test_an_augmentation_that_changes_the_shape_is_named():
    images = _images(20, channels=1, size=16).numpy()
    crop = SurrogatePretrainer(
        augmentation=lambda batch, g: batch[..., :12, :12], **_NET
    )
    with pytest.raises(
        ValueError, match=r"augmentation must return .* \(16, 1, 16, 16\)"
    ):
        crop.fit(images)


# -- displays -------------------------------------------------------------------------


@pytest.fixture
def _agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.usefixtures("_agg")
def test_training_curves_of_what_is_not_a_fitted_net():
    # Before: TypeError ('NoneType' object is not subscriptable).
    with pytest.raises(NotFittedError):
        TrainingCurvesDisplay.from_estimator(DANNClassifier())
    # Before: AttributeError (no history).
    with pytest.raises(
        ValueError, match="skorch net; LogisticRegression has no history_"
    ):
        TrainingCurvesDisplay.from_estimator(LogisticRegression().fit(X_DEEP, Y % 2))
    # Before: IndexError (an empty history).
    built = DANNClassifier(**_SIZES).initialize()
    with pytest.raises(ValueError, match="recorded no epoch"):
        TrainingCurvesDisplay.from_estimator(built)


@pytest.mark.usefixtures("_agg")
def test_training_curves_of_unknown_keys_or_the_wrong_names():
    net = DANNClassifier(**_NET).fit(X_DEEP, Y, SD)
    # Before: KeyError.
    with pytest.raises(ValueError, match="did not record 'mmd_loss'.*domain_acc"):
        TrainingCurvesDisplay.from_estimator(net, keys=["mmd_loss"])
    # Before: zip() argument 2 is shorter than argument 1.
    with pytest.raises(ValueError, match="2 nets and 1 names"):
        TrainingCurvesDisplay.from_estimator(net, net, names=["DANN"])
    with pytest.raises(ValueError, match=r"curves\['loss'\] holds 2 runs"):
        TrainingCurvesDisplay(curves={"loss": [[1.0], [2.0]]}, names=["a"]).plot()


@pytest.mark.usefixtures("_agg")
@pytest.mark.parametrize(
    ("kwargs", "got"),
    [
        # Before: AxisError (mean scores, no folds).
        ({"feature_scores": [0.8, 0.9]}, r"shape \(2,\)"),
        # Before: matplotlib's "x and y must have same first dimension".
        ({"feature_scores": np.ones((3, 4))}, r"shape \(3, 4\)"),
        (
            {"feature_scores": np.ones((2, 4)), "fine_tune_scores": np.ones((3, 4))},
            r"shape \(3, 4\)",
        ),
        # Before: AxisError (a Bunch of transferability_curve).
        ({"feature_scores": {"feature_scores": np.ones((2, 4))}}, "dtype object"),
    ],
    ids=["1-D", "rows", "fine-tune rows", "bunch"],
)
def test_transferability_display_of_scores_that_are_not_per_layer(kwargs, got):
    display = TransferabilityCurveDisplay(layers=["a", "b"], **kwargs)
    with pytest.raises(ValueError, match=f"scores must be numbers of .*got .*{got}"):
        display.plot()


def test_transferability_curve_needs_layers_and_a_fine_tuning_template():
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match="layers must name at least one layer"):
        transferability_curve(_body(), X_DEEP, y, layers=[], cv=2)
    # Before: skorch's "__init__() got unexpected argument(s) layer, ...".
    with pytest.raises(ValueError, match="fine_tune must be a FineTunedClassifier"):
        transferability_curve(
            _body(), X_DEEP, y, layers=["1"], cv=2, fine_tune=DANNClassifier()
        )


# -- modules whose sizes do not fit the data ------------------------------------------


class _Declared(nn.Sequential):
    """A feature extractor that declares a width it does not have."""

    n_outputs = 5


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        # A fine-tuning head for 5 features on a body of 4.
        (
            lambda: FineTunedClassifier(
                _body(), head=nn.Linear(5, 2), early_stopping=False, **_NET
            ),
            r"\(3,\)",
        ),
        (
            lambda: DANNClassifier(
                module__feature_extractor=_Declared(nn.Linear(3, 8)), **_NET
            ),
            r"\(3,\)",
        ),
    ],
    ids=["fine-tuning head", "feature extractor"],
)
def test_a_module_of_the_wrong_size_is_named_before_training(make, shape):
    net = make()
    # Before: torch's "mat1 and mat2 shapes cannot be multiplied", in training.
    with pytest.raises(ValueError, match=f"does not take rows of shape {shape}"):
        net.fit(X_DEEP, np.where(SD > 0, np.arange(40) % 2, -1), SD)


def test_a_warm_start_on_rows_of_another_width_is_named():
    net = DANNClassifier(warm_start=True, **_NET).fit(X_DEEP, Y, SD)
    with pytest.raises(ValueError, match=r"shape \(6,\).*warm_start=True"):
        net.fit(np.c_[X_DEEP, X_DEEP], Y, SD)


def test_images_too_small_for_the_default_network():
    small = np.zeros((40, 1, 15, 15), dtype=np.float32)
    # Before: torch's "Output size is too small", from the second pooling.
    with pytest.raises(ValueError, match="at least 16 x 16 pixels; got 15 x 15"):
        DANNClassifier(**_NET).fit(small, Y, SD)
    with pytest.raises(ValueError, match="at least 16 x 16 pixels"):
        SurrogatePretrainer(**_NET).fit(small)


def test_batches_of_one_row_for_batch_norm_are_refused():
    # Before: "Expected more than 1 value per channel when training".
    with pytest.raises(ValueError, match="batch_size=1: .* batch_size >= 2"):
        DANNClassifier(**{**_NET, "batch_size": 1}).fit(X_DEEP, Y, SD)


def test_a_torch_teacher_that_does_not_take_the_rows_is_named():
    # Before: torch's "mat1 and mat2 shapes cannot be multiplied".
    with pytest.raises(ValueError, match=r"teacher \(Linear\) does not take rows"):
        DistilledClassifier(nn.Linear(4, 2), **_NET).fit(X_DEEP, np.arange(40) % 2)
