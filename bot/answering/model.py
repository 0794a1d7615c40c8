"""The learned part of the engine: a linear support-vector classifier over the message features,
trained with scikit-learn (liblinear: a fraction of a second) and applied in plain Python (a
message has a few dozen features, so its margins are a few hundred multiplications). Its margins
become probabilities through a softmax whose temperature was fitted by cross-validation.

Training happens once per knowledge base: the weights are written to a cache file named by a hash
of the knowledge base and of this module's settings, and read back at the next start. scikit-learn
and numpy are imported only to train, so a bot started from the cache carries neither in memory
(numpy alone is 16 MB of the bot's RSS)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sys
import tempfile
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import mul
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Inverse regularisation strength and the softmax temperature of the margins, both chosen by
# grouped cross-validation (bench/qa_eval.py --cv).
C = 1.0
TEMPERATURE = 7.25
# How much a feature never seen in training counts, relative to the rarest seen feature:
# an unfamiliar message has a long vector that matches nothing, so it is read with less certainty.
UNSEEN_IDF_FACTOR = 0.6
MODEL_VERSION = "v2.2"
# The cache file: one line of JSON (classes, vocabulary, intercepts), then the idf and the
# weights as little-endian float32.
FORMAT = "unionbot-answering-model 1"

Features = Mapping[str, float]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights of a trained classifier: feature -> column, idf per column, and the weights as one
    row of `len(classes)` floats per column, rows end to end."""

    classes: tuple[str, ...]
    vocabulary: Mapping[str, int]
    idf: array[float]
    unseen_idf: float
    coef: array[float]  # (features, classes), row-major
    intercept: tuple[float, ...]  # (classes,)

    def probabilities(self, feats: Features) -> dict[str, float]:
        """P(class | message) for every class; uniform for a message without features."""
        return softmax(self.margins(feats))

    def margins(self, feats: Features) -> dict[str, float]:
        """The classifier's raw score per class (one-vs-rest margins)."""
        width = len(self.classes)
        rows: list[array[float]] = []
        values: list[float] = []
        norm = 0.0
        for key, w in feats.items():
            col = self.vocabulary.get(key)
            if col is None:
                norm += (w * self.unseen_idf) ** 2
                continue
            value = w * self.idf[col]
            norm += value * value
            rows.append(self.coef[col * width:(col + 1) * width])
            values.append(value)
        if not rows or norm <= 0:
            return dict(zip(self.classes, self.intercept, strict=True))
        scale = 1.0 / math.sqrt(norm)
        values = [v * scale for v in values]
        # zip(*rows): the active features' weights, class by class
        logits = [b + sum(map(mul, column, values))
                  for b, column in zip(self.intercept, zip(*rows, strict=True), strict=True)]
        return dict(zip(self.classes, logits, strict=True))


def softmax(margins: Mapping[str, float]) -> dict[str, float]:
    """Calibrated probabilities from margins (the temperature was fitted out of fold)."""
    top = max(margins.values(), default=0.0)
    exp = {k: math.exp((m - top) * TEMPERATURE) for k, m in margins.items()}
    total = sum(exp.values())
    return {k: e / total for k, e in exp.items()}


def idf_of(docs: Sequence[Features]) -> tuple[dict[str, int], array[float], float]:
    """Vocabulary, smoothed idf per column and the idf given to unseen features."""
    df: dict[str, int] = {}
    for feats in docs:
        for key in feats:
            df[key] = df.get(key, 0) + 1
    vocabulary = {key: i for i, key in enumerate(sorted(df))}
    n = max(len(docs), 1)
    idf = array("f", (math.log(1.0 + n / df[k]) for k in vocabulary))
    return vocabulary, idf, math.log(1.0 + n) * UNSEEN_IDF_FACTOR


def train(
    docs: Sequence[Features], labels: Sequence[str], *, c: float | None = None
) -> LinearModel:
    """Fit the classifier on labelled feature dicts."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    vocabulary, idf, unseen = idf_of(docs)
    indptr, indices, data = [0], [], []
    for feats in docs:
        for key, w in feats.items():
            col = vocabulary[key]
            indices.append(col)
            data.append(w * idf[col])
        indptr.append(len(indices))
    matrix = normalize(csr_matrix((data, indices, indptr), shape=(len(docs), len(vocabulary))))
    # a fixed seed: liblinear shuffles; the same knowledge base must give the same model
    clf = LinearSVC(C=C if c is None else c, class_weight="balanced", random_state=0)
    clf.fit(matrix, list(labels))
    return LinearModel(
        classes=tuple(str(c) for c in clf.classes_),
        vocabulary=vocabulary,
        idf=idf,
        unseen_idf=unseen,
        coef=_floats(np.ascontiguousarray(clf.coef_.T, dtype="<f4").tobytes()),
        intercept=tuple(float(b) for b in clf.intercept_.astype("<f4")),
    )


# The code that turns text into features: a change to it must not reuse an old cache file.
_FEATURE_CODE = ("text.py", "pinyin.py", "pinyin_table.txt", "model.py")


def fingerprint(texts: Sequence[tuple[str, str]], concepts: Mapping[str, Sequence[str]]) -> str:
    """A hash of the training data (label, text), the lexicon, the feature code and the training
    settings: the cache key. Computed from raw text, so a cache hit costs no feature work."""
    digest = hashlib.sha256(f"{MODEL_VERSION} C={C} {UNSEEN_IDF_FACTOR}".encode())
    here = Path(__file__).parent
    for name in _FEATURE_CODE:
        digest.update((here / name).read_bytes())
    digest.update(json.dumps(sorted((k, list(v)) for k, v in concepts.items())).encode())
    for label, text in texts:
        digest.update(f"\x00{label}\x01{text}".encode())
    return digest.hexdigest()[:24]


def _floats(little_endian: bytes) -> array[float]:
    floats = array("f")
    floats.frombytes(little_endian)
    if sys.byteorder == "big":
        floats.byteswap()
    return floats


def _little_endian(floats: array[float]) -> bytes:
    if sys.byteorder == "big":
        floats = array("f", floats)
        floats.byteswap()
    return floats.tobytes()


def save(model: LinearModel, path: Path) -> None:
    """Write the weights atomically (a half-written cache must never be read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "classes": list(model.classes),
        "vocabulary": sorted(model.vocabulary, key=model.vocabulary.__getitem__),
        "unseen_idf": model.unseen_idf,
        "intercept": list(model.intercept),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(json.dumps(header, ensure_ascii=True).encode("ascii") + b"\n")
        f.write(_little_endian(model.idf))
        f.write(_little_endian(model.coef))
    os.replace(tmp, path)


def load(path: Path) -> LinearModel:
    """Read a cache file; ValueError when it is not one this code wrote whole."""
    with path.open("rb") as f:
        header: dict[str, Any] = json.loads(f.readline())
        body = f.read()
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("not an answering model of this version")
    classes, keys = tuple(header["classes"]), header["vocabulary"]
    if len(body) != 4 * len(keys) * (1 + len(classes)):
        raise ValueError("truncated weights")
    split = 4 * len(keys)
    return LinearModel(
        classes=classes,
        vocabulary={k: i for i, k in enumerate(keys)},
        idf=_floats(body[:split]),
        unseen_idf=float(header["unseen_idf"]),
        coef=_floats(body[split:]),
        intercept=tuple(float(b) for b in header["intercept"]),
    )


def cached_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"answering-{key}.model"


def trained(
    key: str, build: Callable[[], tuple[Sequence[Features], Sequence[str]]],
    cache_dir: Path | None,
) -> LinearModel:
    """The model for the training data `build` gives: from `cache_dir/answering-<key>.model`
    if it is there (no features computed, neither scikit-learn nor numpy imported), else trained
    now and saved."""
    if cache_dir is None:
        return train(*build())
    path = cached_path(cache_dir, key)
    if path.is_file():
        try:
            return load(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("answering: cache %s unreadable (%s); training again", path.name, exc)
    model = train(*build())
    try:
        save(model, path)
        for old in cache_dir.glob("answering-*"):
            if old != path and old.suffix in (".model", ".npz"):
                old.unlink(missing_ok=True)  # an earlier knowledge base's weights
    except OSError as exc:
        log.warning("answering: cannot write the model cache %s: %s", path, exc)
    return model
