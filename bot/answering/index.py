"""A TF-IDF index of the training phrasings: nearest phrasing and intent centroid scores."""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Mapping, Sequence

Vector = dict[str, float]

# Weight of the nearest-phrasing score against the intent-centroid score.
KNN_WEIGHT = 0.4
# How much a feature never seen in training counts, relative to the rarest seen feature:
# an unfamiliar message has a long vector that matches nothing, so it scores low.
UNSEEN_IDF_FACTOR = 0.6
# Features in more than this share of phrasings (的, 怎么) barely move a nearest-phrasing score
# but have the longest posting lists: they count in the intent centroids only (time budget).
COMMON_SHARE = 0.1


# Posting lists as flat arrays: compact, and invisible to the garbage collector, whose full
# passes over millions of small tuples would otherwise stall a question now and then.
Postings = tuple["array[int]", "array[float]"]
_EMPTY: Postings = (array("i"), array("d"))


def _packed(slots: list[int], weights: list[float]) -> Postings:
    return array("i", slots), array("d", weights)


def _normalized(vec: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {k: w / norm for k, w in vec.items()} if norm > 0 else {}


class PhrasingIndex:
    """Inverted index over labelled phrasings; `scores` rates every intent for a message."""

    def __init__(self, labelled: Sequence[tuple[str, Mapping[str, float]]]) -> None:
        self.intents: tuple[str, ...] = tuple(dict.fromkeys(intent for intent, _ in labelled))
        slot = {intent: i for i, intent in enumerate(self.intents)}
        df: dict[str, int] = defaultdict(int)
        for _, feats in labelled:
            for key in feats:
                df[key] += 1
        n = max(len(labelled), 1)
        self.idf: dict[str, float] = {k: math.log(1.0 + n / d) for k, d in df.items()}
        self.unseen_idf = math.log(1.0 + n) * UNSEEN_IDF_FACTOR
        self.doc_intent: list[int] = []
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        sums: list[Vector] = [defaultdict(float) for _ in self.intents]
        idf = self.idf
        for doc, (intent, feats) in enumerate(labelled):
            vec = _normalized({k: w * idf[k] for k, w in feats.items()})
            self.doc_intent.append(slot[intent])
            total = sums[slot[intent]]
            for key, w in vec.items():
                docs, weights = postings[key]
                docs.append(doc)
                weights.append(w)
                total[key] += w
        too_common = max(int(n * COMMON_SHARE), 20)
        self.postings = {k: _packed(*p) for k, p in postings.items() if len(p[0]) <= too_common}
        centroid_postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, total in enumerate(sums):
            for key, w in _normalized(total).items():
                centroid_postings[key][0].append(i)
                centroid_postings[key][1].append(w)
        self.centroid_postings = {k: _packed(*p) for k, p in centroid_postings.items()}

    def query_vector(self, feats: Mapping[str, float]) -> Vector:
        return _normalized({k: w * self.idf.get(k, self.unseen_idf) for k, w in feats.items()})

    def scores(self, feats: Mapping[str, float]) -> dict[str, float]:
        """Score in [0, 1] per intent: blend of best phrasing cosine and centroid cosine."""
        query = self.query_vector(feats)
        doc_dot: dict[int, float] = defaultdict(float)
        cen_dot = [0.0] * len(self.intents)
        for key, w in query.items():
            docs, weights = self.postings.get(key, _EMPTY)
            for doc, dw in zip(docs, weights, strict=True):
                doc_dot[doc] += w * dw
            slots, weights = self.centroid_postings.get(key, _EMPTY)
            for i, cw in zip(slots, weights, strict=True):
                cen_dot[i] += w * cw
        best = [0.0] * len(self.intents)
        for doc, dot in doc_dot.items():
            i = self.doc_intent[doc]
            if dot > best[i]:
                best[i] = dot
        return {
            intent: KNN_WEIGHT * best[i] + (1.0 - KNN_WEIGHT) * cen_dot[i]
            for i, intent in enumerate(self.intents)
        }
