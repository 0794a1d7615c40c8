"""Turns a message into weighted features: concepts, Chinese n-grams, pinyin, English words."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bot.answering.pinyin import char_syllable, split_latin, syllable_table

# Long messages carry background; the question is usually at the start or the end.
MAX_CHARS = 240

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(rf"[{_CJK}]")
_SPACE = re.compile(r"\s+")

# Relative weight of each kind of feature (before idf).
W_CONCEPT = 2.0
# Requests about the bot itself (notify me, stop, a person) outweigh the topic they mention.
W_ACTION = 3.5
W_UNI = 0.35
W_BI = 1.0
W_TRI = 0.6
W_PINYIN = 0.6
W_WORD = 1.0
W_WORD_BI = 0.6
W_CHAR4 = 0.25

STOPWORDS: frozenset[str] = frozenset(
    "a an the i im i'm me my we our us you your is are am was were be been to of in on for at by "
    "with and or do does did can could how what where when which who whom it its this that there "
    "any some please will would should get got have has had so if then than just about from as "
    "up out into".split()
)


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no control characters, bounded length."""
    text = _head_and_tail(text, MAX_CHARS * 2)  # bound the work before looking at each character
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return _head_and_tail(_SPACE.sub(" ", text).strip().lower(), MAX_CHARS)


def _head_and_tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + " " + text[-half:]


def is_cjk_text(text: str) -> bool:
    """True when the message is written mainly in Chinese characters."""
    cjk = len(_CJK_RUN.findall(text))
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return cjk > 0 and cjk * 2 >= latin


def stem(word: str) -> str:
    """A crude English stemmer: enough to match "claims"/"claim", "lectures"/"lecture"."""
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


@dataclass(frozen=True, slots=True)
class Featurizer:
    """Knows the domain concepts and the English vocabulary of the knowledge base."""

    concept_of: Mapping[str, str]  # normalised variant -> concept feature
    lengths: Mapping[str, tuple[int, ...]]  # first character -> variant lengths, longest first
    pinyin_concepts: Mapping[tuple[str, ...], str]  # syllables of a variant -> concept feature
    english: frozenset[str]

    @classmethod
    def build(
        cls, concepts: Mapping[str, Iterable[str]], english_texts: Iterable[str]
    ) -> Featurizer:
        """`concepts` maps a concept feature ("@jingka") to its variants."""
        concept_of: dict[str, str] = {}
        for feature, variants in concepts.items():
            for variant in variants:
                key = normalize(variant)
                if key:
                    concept_of.setdefault(key, feature)
        by_first: dict[str, set[int]] = defaultdict(set)
        for key in concept_of:
            by_first[key[0]].add(len(key))
        lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in by_first.items()}
        words = {w for t in english_texts for w in _RUN.findall(normalize(t)) if w.isascii()}
        english = frozenset(words | STOPWORDS)
        return cls(concept_of, lengths, _pinyin_variants(concept_of, english), english)

    def features(self, text: str) -> dict[str, float]:
        """Weighted features of a message."""
        return self.normalized_features(normalize(text))

    def normalized_features(self, norm: str) -> dict[str, float]:
        """Weighted features of a message already passed through `normalize`."""
        feats: dict[str, float] = {}
        for feature in self._concepts(norm):
            _add(feats, feature, _concept_weight(feature))
        latin_run: list[str] = []
        for run in _RUN.findall(norm):
            if run.isascii():
                latin_run.append(run)
                continue
            self._latin(latin_run, feats)
            latin_run = []
            _cjk(run, feats)
        self._latin(latin_run, feats)
        return feats

    def _concepts(self, norm: str) -> Iterator[str]:
        """Concepts named in the text, longest variant first; Latin ones as whole words only."""
        i, n = 0, len(norm)
        while i < n:
            for length in self.lengths.get(norm[i], ()):
                piece = norm[i : i + length]
                feature = self.concept_of.get(piece)
                if feature is not None and (not piece.isascii() or _word_bounded(norm, i, length)):
                    yield feature
                    i += length
                    break
            else:
                i += 1

    def _latin(self, words: list[str], feats: dict[str, float]) -> None:
        stems: list[str] = []
        syllables: list[str] = []
        for word in words:
            pieces = None if word in self.english else split_latin(word)
            if pieces is not None:
                syllables.extend(pieces)
                continue
            self._pinyin(syllables, feats)
            syllables = []
            if word in STOPWORDS:
                continue
            s = stem(word)
            stems.append(s)
            _add(feats, "w:" + s, W_WORD)
            if len(word) >= 5:
                padded = f"<{word}>"
                for i in range(len(padded) - 3):
                    _add(feats, "c:" + padded[i : i + 4], W_CHAR4)
        self._pinyin(syllables, feats)
        for a, b in itertools.pairwise(stems):
            _add(feats, f"w:{a}_{b}", W_WORD_BI)

    def _pinyin(self, syllables: list[str], feats: dict[str, float]) -> None:
        """Pinyin typed in Latin letters: its bigrams, and the concepts it spells."""
        _pinyin_bigrams(syllables, feats)
        i, n = 0, len(syllables)
        while i < n:
            for j in range(min(n, i + _MAX_CONCEPT_SYLLABLES), i + 1, -1):
                feature = self.pinyin_concepts.get(tuple(syllables[i:j]))
                if feature is not None:
                    _add(feats, feature, _concept_weight(feature))
                    i = j
                    break
            else:
                i += 1


_MAX_CONCEPT_SYLLABLES = 8


def _pinyin_variants(
    concept_of: Mapping[str, str], english: frozenset[str]
) -> dict[tuple[str, ...], str]:
    """Syllables of every concept variant of two or more syllables, to match typed pinyin."""
    out: dict[tuple[str, ...], str] = {}
    for variant, feature in concept_of.items():
        if variant.isascii():
            words = variant.split()
            if any(w in english for w in words):
                continue
            parts = [split_latin(w) for w in words]
            syllables = tuple(s for p in parts if p for s in p) if all(parts) else ()
        else:
            found = [char_syllable(c) for c in variant]
            syllables = tuple(s for s in found if s) if all(found) else ()
        if len(syllables) >= 2:
            out.setdefault(syllables, feature)
    return out


def _word_bounded(text: str, start: int, length: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[start + length] if start + length < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (
        after.isascii() and after.isalnum()
    )


def _concept_weight(feature: str) -> float:
    return W_ACTION if feature[0] == "^" else W_CONCEPT


def _add(feats: dict[str, float], key: str, weight: float) -> None:
    if feats.get(key, 0.0) < weight:
        feats[key] = weight


def _pinyin_bigrams(syllables: list[str], feats: dict[str, float]) -> None:
    # keys of one kind share one weight: plain assignment is the same as _add, and faster
    for a, b in itertools.pairwise(syllables):
        feats[f"p:{a}_{b}"] = W_PINYIN


def _cjk(run: str, feats: dict[str, float]) -> None:
    n = len(run)
    for i in range(n):
        feats[run[i]] = W_UNI
    for i in range(n - 1):
        feats[run[i : i + 2]] = W_BI
    for i in range(n - 2):
        feats[run[i : i + 3]] = W_TRI
    table = syllable_table()
    _pinyin_bigrams([s for s in map(table.get, run) if s], feats)
