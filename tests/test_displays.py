"""The Display classes, drawn with the Agg backend: what they drew, not only that
they drew."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import sklearn
from matplotlib.colors import to_rgba
from matplotlib.markers import MarkerStyle
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sktransfer import (
    CORAL,
    DANNClassifier,
    KMMReweighter,
    MCCClassifier,
    SubspaceAlignment,
    make_da_pipeline,
)
from sktransfer.datasets import make_biased_selection, make_label_shift
from sktransfer.deep import (
    SurrogatePretrainer,
    TrainingCurvesDisplay,
    TransferabilityCurveDisplay,
)
from sktransfer.label_shift import LabelShiftClassifier, LabelShiftDisplay
from sktransfer.metrics import DomainShiftDisplay
from sktransfer.model_selection import ModelSelectionDisplay
from sktransfer.reweight import (
    ImportanceWeightsDisplay,
    effective_sample_size,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _two_blobs(shift, seed=0):
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(size=(60, 4)), rng.normal(shift, size=(40, 4))]
    y = np.r_[np.arange(60) % 3, np.arange(40) % 3]
    sample_domain = np.r_[np.ones(60, int), -np.ones(40, int)]
    return X, y, sample_domain


def test_domain_shift_display_draws_every_row_by_domain_and_class():
    X, y, sample_domain = _two_blobs(2.0)
    display = DomainShiftDisplay.from_estimator(
        None, X, y, sample_domain=sample_domain, random_state=0
    )
    counts = {key: len(c.get_offsets()) for key, c in display.collections_.items()}
    expected = {
        (domain, label): int(np.sum((sign * sample_domain > 0) & (y == label)))
        for domain, sign in (("source", 1), ("target", -1))
        for label in range(3)
    }
    assert counts == expected
    # Coloured by domain, marked by class.
    for (domain, _), collection in display.collections_.items():
        colour = {"source": "tab:blue", "target": "tab:orange"}[domain]
        np.testing.assert_allclose(
            collection.get_facecolor()[0][:3], to_rgba(colour)[:3]
        )
    assert display.ax_.get_xlabel() == "component 1"
    # The measures in the title: the domains apart, the test rejects.
    title = display.ax_.get_title()
    assert f"MMD test p = {display.mmd_pvalue:.3g}" in title
    assert f"proxy A-distance = {display.proxy_a_distance:.2f}" in title
    assert display.mmd_pvalue < 0.01
    assert display.proxy_a_distance > 1.0


def test_domain_shift_display_by_class_and_of_a_transformer():
    X, y, sample_domain = _two_blobs(0.0)
    y_hidden = np.where(sample_domain < 0, -1, y)
    fig, axes = plt.subplots(1, 2)
    before = DomainShiftDisplay.from_estimator(
        None, X, y_hidden, sample_domain=sample_domain, random_state=0, ax=axes[0]
    )
    aligner = SubspaceAlignment(n_components=3).fit(X, sample_domain=sample_domain)
    after = DomainShiftDisplay.from_estimator(
        aligner,
        X,
        y_hidden,
        sample_domain=sample_domain,
        random_state=0,
        ax=axes[1],
        hue="class",
    )
    # Side by side on one figure.
    assert before.figure_ is after.figure_ is fig
    # No shift: the test does not reject.
    assert before.mmd_pvalue > 0.05
    # The target rows are unlabeled: one grey group of crosses.
    target = after.collections_["target", None]
    assert len(target.get_offsets()) == 40
    np.testing.assert_allclose(target.get_facecolor()[0][:3], to_rgba("grey")[:3])
    assert {key for key in after.collections_ if key[0] == "source"} == {
        ("source", 0),
        ("source", 1),
        ("source", 2),
    }
    # The points are the transformer's features in two dimensions, of the
    # rows drawn in the display's order (source rows, then target rows).
    rng = np.random.RandomState(0)
    shown = np.r_[
        rng.permutation(np.flatnonzero(sample_domain > 0)),
        rng.permutation(np.flatnonzero(sample_domain < 0)),
    ]
    features = aligner.transform(X[shown], sample_domain=sample_domain[shown])
    np.testing.assert_allclose(
        np.abs(after.embedding), np.abs(PCA(2).fit_transform(features)), atol=1e-8
    )
    assert after.ax_.get_title().startswith("SubspaceAlignment")


def test_domain_shift_display_measures_the_rows_it_draws():
    # Two clouds far apart, their rows interleaved: the first rows of X are
    # half source and half target, so only the rows drawn, each with its own
    # domain, show the shift.
    rng = np.random.RandomState(0)
    X = np.empty((120, 3))
    X[0::2], X[1::2] = rng.normal(size=(60, 3)), rng.normal(4.0, size=(60, 3))
    sample_domain = np.tile([1, -1], 60)
    display = DomainShiftDisplay.from_estimator(
        None, X, sample_domain=sample_domain, max_samples=40, random_state=0
    )
    assert display.mmd_pvalue < 0.01
    assert display.proxy_a_distance > 1.5
    # The points drawn as source rows lie in one cloud, the target in the other.
    first = display.embedding[:, 0] * np.sign(display.embedding[0, 0])
    source = display.sample_domain > 0
    assert source.sum() == (~source).sum() == 40
    assert first[source].min() > first[~source].max()


def _marker_vertices(marker):
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform()).vertices


@pytest.mark.parametrize("hue", ["domain", "class"])
def test_domain_shift_display_legend_names_every_colour_and_marker(hue):
    X, y, sample_domain = _two_blobs(2.0)
    y_hidden = np.where(sample_domain < 0, -1, y)
    display = DomainShiftDisplay.from_estimator(
        None, X, y_hidden, sample_domain=sample_domain, random_state=0, hue=hue
    )
    legend = display.ax_.get_legend()
    entries = dict(zip(_legend_texts(display.ax_), legend.legend_handles, strict=True))
    domains, classes = ["source", "target"], ["class 0", "class 1", "class 2"]
    by_colour, by_marker = (
        (domains, [*classes, "no label"])
        if hue == "domain"
        else ([*classes, "no label"], domains)
    )
    # What the colours tell first, as patches; what the markers tell next.
    assert list(entries) == by_colour + by_marker
    # Each group of points has the colour and the marker its entries show.
    for (domain, label), points in display.collections_.items():
        name = "no label" if label is None else f"class {label}"
        colour_entry, marker_entry = (
            (domain, name) if hue == "domain" else (name, domain)
        )
        np.testing.assert_allclose(
            points.get_facecolor()[0][:3],
            entries[colour_entry].get_facecolor()[:3],
        )
        np.testing.assert_allclose(
            points.get_paths()[0].vertices,
            _marker_vertices(entries[marker_entry].get_marker()),
        )


def test_domain_shift_display_of_a_plain_transformer_on_a_data_frame():
    # A PCA maps every row alike and takes no sample_domain; a data frame's
    # rows are drawn by position.
    X, y, sample_domain = _two_blobs(1.0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    pca = PCA(3).fit(frame)
    display = DomainShiftDisplay.from_estimator(
        pca, frame, y, sample_domain=sample_domain, random_state=0
    )
    rng = np.random.RandomState(0)
    shown = np.r_[
        rng.permutation(np.flatnonzero(sample_domain > 0)),
        rng.permutation(np.flatnonzero(sample_domain < 0)),
    ]
    np.testing.assert_allclose(
        np.abs(display.embedding),
        np.abs(PCA(2).fit_transform(pca.transform(frame.iloc[shown]))),
        atol=1e-8,
    )


def test_domain_shift_display_gives_a_pipeline_the_domains_through_routing():
    X, y, sample_domain = _two_blobs(1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(StandardScaler(), CORAL(center="domain"))
        pipe.fit(X, sample_domain=sample_domain)
        display = DomainShiftDisplay.from_estimator(
            pipe, X, y, sample_domain=sample_domain, random_state=0
        )
        rng = np.random.RandomState(0)
        shown = np.r_[
            rng.permutation(np.flatnonzero(sample_domain > 0)),
            rng.permutation(np.flatnonzero(sample_domain < 0)),
        ]
        # The source rows mapped as source rows, the target rows as target.
        features = pipe.transform(X[shown], sample_domain=sample_domain[shown])
    np.testing.assert_allclose(
        np.abs(display.embedding), np.abs(PCA(2).fit_transform(features)), atol=1e-8
    )


def test_training_curves_display_overlays_the_runs_epoch_by_epoch():
    X, y, sample_domain = _two_blobs(1.0)
    X = X.astype(np.float32)
    y = np.where(sample_domain < 0, -1, y)
    nets = [
        cls(max_epochs=epochs, random_state=0, verbose=0).fit(
            X, y, sample_domain=sample_domain
        )
        for cls, epochs in ((DANNClassifier, 4), (MCCClassifier, 4))
    ]
    display = TrainingCurvesDisplay.from_estimator(*nets, names=["DANN", "MCC"])
    assert list(display.lines_) == [
        "train_loss",
        "label_loss",
        "domain_loss",
        "domain_acc",
    ]
    assert len(display.axes_) == 4
    for key, lines in display.lines_.items():
        assert [line.get_label() for line in lines] == ["DANN", "MCC"]
        for line, net in zip(lines, nets, strict=True):
            np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
            np.testing.assert_allclose(line.get_ydata(), net.history[:, key])
    assert display.axes_[2].get_title() == "domain loss"
    with pytest.raises(ValueError, match="4 curves need 4 axes"):
        display.plot(axes=display.axes_[:2])


def test_training_curves_draw_a_pretrainers_surrogate_accuracy():
    images = np.random.default_rng(0).random((24, 1, 16, 16), np.float32)
    net = SurrogatePretrainer(
        task="rotation", max_epochs=3, batch_size=8, random_state=0, verbose=0
    ).fit(images)
    display = TrainingCurvesDisplay.from_estimator(net)
    assert set(display.lines_) == {"surrogate_acc", "train_loss"}
    (line,) = display.lines_["surrogate_acc"]
    np.testing.assert_allclose(line.get_ydata(), net.history[:, "surrogate_acc"])


def _inside_when_saved(figure):
    """Whether everything drawn lies in the figure, laid out as savefig does."""
    figure.canvas.draw()
    drawn = figure.get_tightbbox(figure.canvas.get_renderer())  # in inches
    page = figure.bbox_inches
    return (
        page.x0 <= drawn.x0
        and drawn.x1 <= page.x1
        and page.y0 <= drawn.y0
        and drawn.y1 <= page.y1
    )


def test_training_curves_and_transferability_fit_in_their_saved_figure(tmp_path):
    epochs = np.linspace(1.0, 0.2, 10)
    curves = {key: [epochs] for key in ("train_loss", "domain_loss", "domain_acc")}
    training = TrainingCurvesDisplay(curves=curves, names=["DANN"]).plot()
    transferability = TransferabilityCurveDisplay(
        layers=["features.block_1", "features.block_2", "classifier.hidden"],
        feature_scores=np.random.RandomState(0).rand(3, 4),
    ).plot()
    for display in (training, transferability):
        assert _inside_when_saved(display.figure_)
        display.figure_.savefig(tmp_path / "curves.png")


def test_importance_weights_display_shows_the_weights_and_their_ess():
    data = make_biased_selection("wine", bias=1.0, random_state=0)
    X = StandardScaler().fit_transform(data.X)
    kmm = KMMReweighter().fit(X, sample_domain=data.sample_domain)
    display = ImportanceWeightsDisplay.from_estimator(
        kmm, X, sample_domain=data.sample_domain, feature=2, axes=None
    )
    n_source = int(np.sum(data.sample_domain > 0))
    hist_ax, scatter_ax = display.axes_
    assert sum(patch.get_height() for patch in hist_ax.patches) == n_source
    offsets = display.scatter_.get_offsets()
    np.testing.assert_allclose(offsets[:, 0], X[data.sample_domain > 0, 2])
    np.testing.assert_allclose(offsets[:, 1], kmm.weights_)
    ess = effective_sample_size(kmm.weights_)
    assert hist_ax.get_title() == (
        f"effective sample size {ess:.0f} of {n_source} rows"
    )
    assert scatter_ax.get_xlabel() == "feature 2"
    with pytest.raises(ValueError, match="pass the X and the sample_domain"):
        ImportanceWeightsDisplay.from_estimator(kmm, X[:20], sample_domain=None)


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_label_shift_display_draws_the_priors_and_their_intervals():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=0)
    X = StandardScaler().fit_transform(data.X)
    y = np.where(data.sample_domain > 0, data.y, -1)
    clf = LabelShiftClassifier(
        LogisticRegression(), n_bootstrap=50, confidence_level=0.9, random_state=0
    ).fit(X, y, sample_domain=data.sample_domain)
    display = LabelShiftDisplay.from_estimator(clf, true_priors=data.target_priors)
    np.testing.assert_allclose(
        [bar.get_height() for bar in display.bars_["source"]], clf.source_priors_
    )
    np.testing.assert_allclose(
        [bar.get_height() for bar in display.bars_["target"]], clf.target_priors_
    )
    # The error bars span the bootstrap interval, and the legend says its level.
    segments = display.bars_["target"].errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose(
        [[segment[0][1], segment[1][1]] for segment in segments],
        clf.target_priors_interval_,
    )
    assert sorted(_legend_texts(display.ax_)) == [
        "90% bootstrap interval",
        "source",
        "target, estimated",
        "target, true",
    ]
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["0", "1", "2"]


def test_label_shift_display_draws_no_interval_where_the_estimator_has_none():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=0)
    X = StandardScaler().fit_transform(data.X)
    y = np.where(data.sample_domain > 0, data.y, -1)
    for params in ({"n_bootstrap": 0}, {"target_priors": [0.6, 0.3, 0.1]}):
        clf = LabelShiftClassifier(LogisticRegression(), random_state=0, **params)
        clf.fit(X, y, sample_domain=data.sample_domain)
        # Its interval is the estimate on both sides: nothing to draw.
        display = LabelShiftDisplay.from_estimator(clf)
        assert display.bars_["target"].errorbar is None
        assert _legend_texts(display.ax_) == ["source", "target, estimated"]
        plt.close("all")


def test_label_shift_display_without_a_level_names_no_level():
    display = LabelShiftDisplay(
        classes=["a", "b"],
        source_priors=[0.5, 0.5],
        target_priors=[0.8, 0.2],
        interval=[[0.7, 0.9], [0.1, 0.3]],
    ).plot()
    assert "bootstrap interval" in _legend_texts(display.ax_)
    display = LabelShiftDisplay(
        classes=["a", "b"],
        source_priors=[0.5, 0.5],
        target_priors=[0.8, 0.2],
        interval=[[0.7, 0.9], [0.1, 0.3]],
        confidence_level=0.975,
    ).plot()
    assert "97.5% bootstrap interval" in _legend_texts(display.ax_)


def test_model_selection_display_draws_each_scorers_pick_against_hindsight():
    # Three candidates; the hindsight target accuracies and each scorer's
    # validation means written by hand.
    target = np.array([0.70, 0.82, 0.76])
    cv_results = {
        "mean_test_entropy": np.array([-0.2, -0.5, -0.1]),  # picks 2
        "mean_test_weighted": np.array([0.6, 0.9, 0.7]),  # picks 1
    }
    display = ModelSelectionDisplay.from_cv_results(
        cv_results, target, scorers=["entropy", "weighted"], baseline_index=0
    )
    widths = [bar.get_width() for bar in display.bars_]
    np.testing.assert_allclose(widths, [0.76, 0.82])
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == [
        "entropy",
        "weighted",
    ]
    lines = {
        line.get_label(): line.get_xdata()[0]
        for line in display.ax_.lines
        if not line.get_label().startswith("_")  # the error bars
    }
    assert lines == {
        "source only (0.700)": pytest.approx(0.70),
        "best in hindsight (0.820)": pytest.approx(0.82),
    }
    assert display.ax_.get_xlabel() == "target accuracy"
