"""VADER's sentiment-rated texts, with their kind (tweets, reviews) as domains.

The texts ship only in the source distribution of vaderSentiment 3.3.2, which
the user downloads once (the error that says it is missing gives the command).
"""

import io
import os
import tarfile
from pathlib import Path

import numpy as np

from .._compat import StrOptions, validate_params
from ._base import _import_optional
from ._natural import _SHIFT_PARAMS, _load_shift, _Table

_VADER = "vaderSentiment-3.3.2"
_VADER_RATINGS = "additional_resources/hutto_ICWSM_2014.tar.gz"
# Domain name -> the file of VADER's ground truth in the ratings archive.
_VADER_FILES = {
    "tweets": "tweets",
    "movies": "movieReviewSnippets",
    "products": "amazonReviewSnippets",
    "editorials": "nytEditorialSnippets",
}
# Below this mean rating (of -4 to 4) a text's sign is a coin toss among raters.
_SIGN_MARGIN = 0.5


def _get_data_home(data_home=None):
    """The folder of the files that sktransfer reads and cannot ship.

    ``data_home``, else the environment variable ``SKTRANSFER_DATA``, else
    ``~/sktransfer_data``, as scikit-learn's ``get_data_home``; nothing is
    created, since nothing downloads.
    """
    if data_home is None:
        data_home = os.environ.get("SKTRANSFER_DATA", "~/sktransfer_data")
    return Path(data_home).expanduser()


def _vader_ratings(data_home):
    """The bytes of VADER's ratings archive, from the sdist or its folder."""
    folder = _get_data_home(data_home)
    sdist = folder / f"{_VADER}.tar.gz"
    if sdist.is_file():
        with tarfile.open(sdist) as archive:
            return archive.extractfile(f"{_VADER}/{_VADER_RATINGS}").read()
    extracted = folder / _VADER / _VADER_RATINGS
    if extracted.is_file():
        return extracted.read_bytes()
    raise FileNotFoundError(
        f"load_sentiment reads VADER's rated texts from {sdist} (or from "
        f"{folder / _VADER}, that file extracted), and neither is there. "
        "Download it once with: pip download --no-deps --no-binary :all: "
        f'vaderSentiment==3.3.2 -d "{folder}"'
    )


@validate_params(
    {
        **_SHIFT_PARAMS,
        "task": [StrOptions({"sign", "rating"})],
        "data_home": [str, os.PathLike, None],
    },
    prefer_skip_nested_validation=True,
)
def load_sentiment(
    source="movies",
    target="tweets",
    *,
    task="sign",
    data_home=None,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load VADER's human-rated texts, the kind of text as domains.

    Four kinds of short English texts, each rated by at least 20 people
    from -4 (very negative) to 4 (very positive), the mean being the score:
    tweets
    (4,200), sentences of movie reviews (10,605), of Amazon product reviews
    (3,708) and of New York Times editorials (5,190). ``X`` is the texts:
    turn them into features first (for example with
    :class:`sklearn.feature_extraction.text.TfidfVectorizer`).

    The shift is natural: the words, the length and the way sentiment is
    said change from tweets (slang, emoticons) to reviews and editorials
    (measured prose, neutral more often).

    Requires ``pandas`` (``pip install sktransfer[data]``) and the source
    distribution of vaderSentiment 3.3.2 in ``data_home``, which the error
    raised when it is missing tells how to download.

    Parameters
    ----------
    source : str, list of str or None, default="movies"
        Source kind(s) among ``"tweets"``, ``"movies"``, ``"products"`` and
        ``"editorials"``; several get the domain ids 1, 2, ... in the order
        given. None is every kind outside ``target``.

    target : str or list of str, default="tweets"
        Target kind(s), disjoint from ``source``; several get the domain ids
        -1, -2, ... in the order given.

    task : {"sign", "rating"}, default="sign"
        ``"sign"``: ``y`` is 1 for a positive score, 0 for a negative one;
        the texts whose score is within 0.5 of 0 are dropped (raters
        disagree on their sign). ``"rating"``: ``y`` is the score, every
        text kept.

    data_home : str, path-like or None, default=None
        The folder that holds ``vaderSentiment-3.3.2.tar.gz`` (or the folder
        ``vaderSentiment-3.3.2`` extracted from it). None is the environment
        variable ``SKTRANSFER_DATA``, else ``~/sktransfer_data``.

    shuffle : bool, default=False
        Whether to shuffle the rows within each kind. The rows otherwise
        keep the order of VADER's files.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with one column, ``"text"``, and ``y``
        a Series. If False, ``X`` is a 1-D ndarray of the texts, of dtype
        object.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source kinds, then those of the target kinds, kind
        by kind in the order given.

        X : DataFrame of shape (n_samples, 1) or ndarray of shape (n_samples,)
            The texts.
        y : Series or ndarray of shape (n_samples,)
            The sign (int64, 0 or 1) or the score (float64).
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The kind of each text.
        frame : DataFrame of shape (n_samples, 3) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            ``["text"]``.
        target_names : ndarray of shape (2,) or None
            ``["negative", "positive"]``; None for the score.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    References
    ----------
    C. J. Hutto and E. Gilbert, "VADER: A parsimonious rule-based model for
    sentiment analysis of social media text", ICWSM 2014.

    Examples
    --------
    >>> from sktransfer.datasets import load_sentiment
    >>> data = load_sentiment("movies", "tweets", as_frame=False)
    >>> data.X.shape, int(data.y[data.sample_domain == -1].sum())
    ((13504,), 2345)
    """

    def read():
        pd = _import_optional("pandas", "load_sentiment")
        ratings = _vader_ratings(data_home)
        parts = []
        with tarfile.open(fileobj=io.BytesIO(ratings)) as archive:
            for domain, stem in _VADER_FILES.items():
                member = f"hutto_ICWSM_2014/{stem}_GroundTruth.txt"
                part = pd.read_csv(
                    archive.extractfile(member),
                    sep="\t",
                    header=None,
                    names=["id", "score", "text"],
                    quoting=3,
                    encoding="latin-1",
                )
                parts.append(part[["text", "score"]].assign(domain=domain))
        table = pd.concat(parts, ignore_index=True)
        if task == "sign":
            table = table[table["score"].abs() >= _SIGN_MARGIN]
            y = (table["score"] > 0).to_numpy(np.int64)
            target_name, target_names = "positive", ["negative", "positive"]
        else:
            y = table["score"].to_numpy(np.float64)
            target_name, target_names = "score", None
        return _Table(
            features=table[["text"]],
            y=y,
            domain=table["domain"],
            target_name=target_name,
            target_names=target_names,
            descr=(
                "VADER's ground truth (Hutto and Gilbert, 2014): tweets "
                "(4,200), movie reviews (10,605), Amazon product reviews "
                "(3,708) and New York Times editorials (5,190), each text's "
                "score the mean of 20 or more ratings from -4 to 4; the kinds of text "
                "are the domains. Source: the source distribution of "
                "vaderSentiment 3.3.2 (MIT)."
            ),
            extras={},
        )

    return _load_shift(
        read,
        tuple(_VADER_FILES),
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
        texts=True,
    )
