"""Bad input: the right result, or a ValueError that names the parameter and the fix.

And whatever the caller passed -- arrays, data frames, torch modules -- is
never modified by a fit, a prediction or a transform.
"""

import contextlib
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
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
    SubspaceAlignment,
    make_da_pipeline,
)
from sktransfer.datasets import make_biased_selection, make_digits_shift, make_mnist_m
from sktransfer.deep import (
    DANNClassifier,
    DeepFeatureTransformer,
    DistilledClassifier,
    DomainConfusionClassifier,
    FineTunedClassifier,
    load_model,
)
from sktransfer.exceptions import (
    SmallEffectiveSampleSizeWarning,
    UnlabeledSourceRowsWarning,
)
from sktransfer.metrics import mmd2, mmd_test, proxy_a_distance
from sktransfer.model_selection import (
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    LeaveOneDomainOut,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
)
from sktransfer.reweight import _kmm

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
