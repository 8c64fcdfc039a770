"""How transferable is each layer? (Yosinski, Clune, Bengio & Lipson 2014)."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import check_cv, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch
from sklearn.utils.multiclass import type_of_target

from .._compat import check_matplotlib_support
from .._plotting import new_axes
from .features import DeepFeatureTransformer
from .finetune import _BaseFineTuned

__all__ = ["TransferabilityCurveDisplay", "transferability_curve"]


def transferability_curve(
    module,
    X,
    y,
    *,
    layers,
    estimator=None,
    fine_tune=None,
    cv=5,
    scoring=None,
    weights=None,
    preprocess=None,
    pooling="avg",
    batch_size=64,
    device="auto",
    n_jobs=None,
):
    """Cross-validated score of off-the-shelf features, layer by layer.

    For each layer of a pretrained network, a linear model is trained on
    that layer's pooled output and scored by cross-validation: the lower
    layers are generic, the upper ones specific to the task the network was
    trained on, so the score traces how far each layer transfers. All layers
    come from one forward pass over ``X``. With ``fine_tune``, each cut is
    also fine-tuned (a new head on that layer, then training) and scored on
    the same folds.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module class or str
        The pretrained network; see :func:`load_model`.

    X : array-like of shape (n_samples, ...)
        Images or feature rows of the new task.

    y : array-like of shape (n_samples,)
        Its labels.

    layers : str or list of str
        Dotted layer names, from the input towards the output; at least one.

    estimator : estimator, default=None
        Model trained on each layer's features; None means a standardised
        logistic regression for classification, ``RidgeCV`` otherwise.

    fine_tune : FineTunedClassifier or FineTunedRegressor, default=None
        A template whose ``module``, ``layer``, ``weights``, ``preprocess``
        and ``pooling`` are set for each layer before it is fitted; None
        skips fine-tuning.

    cv : int, cross-validation generator or iterable, default=5
        As in :func:`~sklearn.model_selection.cross_val_score`.

    scoring : str or callable, default=None
        As in :func:`~sklearn.model_selection.cross_val_score`.

    weights, preprocess, pooling, batch_size, device :
        As in :class:`DeepFeatureTransformer`.

    n_jobs : int, default=None
        Parallel folds for the linear models.

    Returns
    -------
    curve : :class:`~sklearn.utils.Bunch`
        layers : list of str
        feature_scores : ndarray of shape (n_layers, n_folds)
        fine_tune_scores : ndarray of shape (n_layers, n_folds) or None

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from sktransfer.deep import transferability_curve
    >>> X, y = load_digits(return_X_y=True)
    >>> net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(),
    ...                           torch.nn.Linear(32, 8), torch.nn.Tanh())
    >>> curve = transferability_curve(net, X, y, layers=["1", "3"], cv=3)
    >>> curve.feature_scores.shape
    (2, 3)
    """
    # One name is one layer, not a list of its characters.
    layers = [layers] if isinstance(layers, str) else list(layers)
    if not layers:
        raise ValueError(
            "layers must name at least one layer of the network, from the input "
            "towards the output; got none."
        )
    if fine_tune is not None and not isinstance(fine_tune, _BaseFineTuned):
        raise ValueError(
            "fine_tune must be a FineTunedClassifier or a FineTunedRegressor (a "
            "template the curve cuts at each layer); got "
            f"{type(fine_tune).__name__}."
        )
    if estimator is None:
        discrete = type_of_target(y) in ("binary", "multiclass")
        last = LogisticRegression(max_iter=1000) if discrete else RidgeCV()
        estimator = make_pipeline(StandardScaler(), last)
    transformer = DeepFeatureTransformer(
        module,
        layer=layers,
        pooling=pooling,
        weights=weights,
        preprocess=preprocess,
        batch_size=batch_size,
        device=device,
    ).fit(X)
    features = transformer.transform(X)
    ends = np.cumsum(transformer.layer_widths_)
    # The same folds for every layer, and for fine-tuning.
    folds = list(check_cv(cv, y, classifier=is_classifier(estimator)).split(X, y))
    feature_scores = np.array(
        [
            cross_val_score(
                estimator,
                features[:, end - width : end],
                y,
                cv=folds,
                scoring=scoring,
                n_jobs=n_jobs,
            )
            for end, width in zip(ends, transformer.layer_widths_, strict=True)
        ]
    )
    fine_tune_scores = None
    if fine_tune is not None:
        # A fresh net per cut: skorch refuses a torch module through set_params.
        params = {
            **fine_tune.get_params(deep=False),
            "weights": weights,
            "preprocess": preprocess,
            "pooling": pooling,
        }
        fine_tune_scores = np.array(
            [
                cross_val_score(
                    type(fine_tune)(**{**params, "module": module, "layer": layer}),
                    X,
                    y,
                    cv=folds,
                    scoring=scoring,
                )
                for layer in layers
            ]
        )
    return Bunch(
        layers=layers,
        feature_scores=feature_scores,
        fine_tune_scores=fine_tune_scores,
    )


class TransferabilityCurveDisplay:
    """Transferability curve: score against the layer the features come from.

    Build it with :meth:`from_network`, or from scores already computed
    (for instance by :func:`transferability_curve`) and call :meth:`plot`.

    Parameters
    ----------
    layers : list of str
        Layer names, from the input towards the output.

    feature_scores : ndarray of shape (n_layers, n_folds)
        Scores of a model on each layer's off-the-shelf features.

    fine_tune_scores : ndarray of shape (n_layers, n_folds), default=None
        Scores after fine-tuning from each cut.

    score_name : str, default="Score"
        Label of the y axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    lines_ : list of matplotlib Line2D
        One line per curve.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.deep import TransferabilityCurveDisplay
    >>> scores = np.array([[0.8, 0.82], [0.9, 0.91], [0.7, 0.72]])
    >>> display = TransferabilityCurveDisplay(
    ...     layers=["conv1", "conv2", "fc"], feature_scores=scores)
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(
        self, *, layers, feature_scores, fine_tune_scores=None, score_name="Score"
    ):
        self.layers = list(layers)
        self.feature_scores = np.asarray(feature_scores)
        self.fine_tune_scores = (
            None if fine_tune_scores is None else np.asarray(fine_tune_scores)
        )
        self.score_name = score_name

    def plot(self, ax=None, *, std_band=True):
        """Plot the curve(s): mean over folds, with a band of one standard deviation.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        std_band : bool, default=True
            Shade mean plus and minus one standard deviation over the folds.

        Returns
        -------
        display : TransferabilityCurveDisplay
            With ``ax_``, ``figure_`` and ``lines_`` set.
        """
        curves = [("off-the-shelf features", "feature_scores", self.feature_scores)]
        if self.fine_tune_scores is not None:
            curves.append(
                ("fine-tuned from the layer", "fine_tune_scores", self.fine_tune_scores)
            )
        for _, name, scores in curves:
            self._check_scores(name, scores)
        # Constrained layout keeps the slanted layer names inside the figure
        # wherever it is saved.
        ax = new_axes(ax, f"{type(self).__name__}.plot", layout="constrained")
        depth = np.arange(len(self.layers))
        self.lines_ = []
        for label, _, scores in curves:
            mean, std = scores.mean(axis=1), scores.std(axis=1)
            (line,) = ax.plot(depth, mean, marker="o", label=label)
            if std_band:
                ax.fill_between(
                    depth, mean - std, mean + std, alpha=0.2, color=line.get_color()
                )
            self.lines_.append(line)
        ax.set_xticks(depth, self.layers, rotation=45, ha="right")
        ax.set_xlabel("layer (input to output)")
        ax.set_ylabel(self.score_name)
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _check_scores(self, name, scores):
        """Scores of shape (n_layers, n_folds), one row per layer name."""
        shape = np.shape(scores)
        if (
            not self.layers
            or len(shape) != 2
            or shape[0] != len(self.layers)
            or shape[1] == 0
            or not np.issubdtype(scores.dtype, np.number)
        ):
            raise ValueError(
                f"{name} must be numbers of shape (n_layers, n_folds), one row "
                f"per name in layers ({len(self.layers)}), at least one fold; "
                f"got an array of shape {shape} and dtype {scores.dtype}. The "
                "feature_scores and fine_tune_scores of transferability_curve "
                "have it."
            )

    @classmethod
    def from_network(
        cls, module, X, y, *, layers, ax=None, score_name="Score", **kwargs
    ):
        """Measure the curve with :func:`transferability_curve` and plot it.

        Parameters
        ----------
        module : torch.nn.Module, torch.nn.Module class or str
            The pretrained network.

        X, y : array-like
            Data of the new task.

        layers : list of str
            Dotted layer names, from the input towards the output.

        ax : matplotlib Axes, default=None
            Axes to draw on.

        score_name : str, default="Score"
            Label of the y axis.

        **kwargs : dict
            Passed to :func:`transferability_curve`.

        Returns
        -------
        display : TransferabilityCurveDisplay
            The plotted display.
        """
        check_matplotlib_support(f"{cls.__name__}.from_network")
        curve = transferability_curve(module, X, y, layers=layers, **kwargs)
        return cls(
            layers=curve.layers,
            feature_scores=curve.feature_scores,
            fine_tune_scores=curve.fine_tune_scores,
            score_name=score_name,
        ).plot(ax=ax)
