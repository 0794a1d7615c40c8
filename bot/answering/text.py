"""Turns a message into weighted features: concepts, Chinese n-grams, pinyin, English words."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import opencc

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
W_CHAR3 = 0.2
# A concept read through a homophone, pinyin initials or a one-character slip counts less than
# the term itself.
W_SOUNDS_LIKE = 1.2
# In a long message the background counts this much against the sentence that asks.
W_BACKGROUND = 0.5
LONG_MESSAGE = 36

STOPWORDS: frozenset[str] = frozenset(
    "a an the i im i'm me my we our us you your is are am was were be been to of in on for at by "
    "with and or do does did can could how what where when which who whom it its this that there "
    "any some please will would should get got have has had so if then than just about from as "
    "up out into".split()
)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case, no control characters,
    bounded length."""
    text = _head_and_tail(text, MAX_CHARS * 2)  # bound the work before looking at each character
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = _t2s().convert(unicodedata.normalize("NFKC", text))
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
    slips: Mapping[str, str]  # a variant with one character blanked ("京?卡") -> concept
    initials: Mapping[str, str]  # pinyin initials of a long variant ("zph") -> concept

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
        pinyin = _pinyin_variants(concept_of, english)
        return cls(concept_of, lengths, pinyin, english, _slip_keys(concept_of),
                   _initials(pinyin, english))

    def features(self, text: str) -> dict[str, float]:
        """Weighted features of a message."""
        return self.normalized_features(normalize(text))

    def normalized_features(self, norm: str) -> dict[str, float]:
        """Weighted features of a message already passed through `normalize`."""
        feats: dict[str, float] = {}
        request = _REQUEST.search(norm) is not None
        for feature in self._concepts(norm):
            if feature in FRAMED_ACTIONS and not request:
                feature = "~" + feature[1:]  # "一点消息都没有": a word in a question, no request
            _add(feats, feature, _concept_weight(feature))
        for feature in self._sounds_like(norm):
            _add(feats, feature, W_SOUNDS_LIKE)
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

    def question_features(self, norm: str) -> dict[str, float]:
        """Features of a message; in a long one the sentence that asks outweighs the rest."""
        feats = self.normalized_features(norm)
        if len(norm) < LONG_MESSAGE:
            return feats
        asking = asking_sentence(norm)
        if asking is None or len(asking) >= len(norm) - 4:
            return feats
        out = {k: w * W_BACKGROUND for k, w in feats.items()}
        for key, w in self.normalized_features(asking).items():
            out[key] = out.get(key, 0.0) + w * (1.0 - W_BACKGROUND)
        return out

    def _sounds_like(self, norm: str) -> Iterator[str]:
        """Concepts written with a wrong character of the same sound (召聘会), a one-character
        slip (京东卡 aside: only variants of three or more characters), or pinyin initials."""
        table = syllable_table()
        for run in _CJK_ONLY.findall(norm):
            syllables = [table.get(c, "?") for c in run]
            n = len(run)
            for i in range(n - 1):
                for j in range(min(n, i + _MAX_CONCEPT_SYLLABLES), i + 1, -1):
                    feature = self.pinyin_concepts.get(tuple(syllables[i:j]))
                    if feature is not None:
                        yield feature
                        break
            for length in (3, 4, 5):
                for i in range(n - length + 1):
                    piece = run[i : i + length]
                    for k in range(length):
                        feature = self.slips.get(piece[:k] + "?" + piece[k + 1 :])
                        if feature is not None:
                            yield feature
        for word in _LATIN_WORD.findall(norm):
            feature = self.initials.get(word)
            if feature is not None and word not in self.english:
                yield feature

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
            if len(word) >= 4:
                padded = f"<{word}>"
                for i in range(len(padded) - 2):
                    _add(feats, "c:" + padded[i : i + 3], W_CHAR3)
            if len(word) >= 5:
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
# Request words that are also everyday words (notice, news, stop) decide a subscription only in
# a request frame: "以后有讲座通知我", "let me know", "别再发了"; otherwise they are a cue.
FRAMED_ACTIONS = frozenset({"^notify", "^stop"})
_REQUEST = re.compile(
    r"我要|我想|帮我|给我|请|麻烦|以后|有.{0,12}(就|时|的话|记得)|记得|别|不要|不想|不用|少|"
    r"(通知|告诉|提醒|叫|推送给|发给|推给)(我|一下)|吱一声|说一声|跟我说|知会|太多|太烦|烦死|关|"
    r"\b(notify me|let me know|tell me when|send me|keep me|remind me|alert me|sign me up|"
    r"message me|ping me|"
    r"i want|i'd like|i would like|please|can you|could you|stop|no more|don't|do not|"
    r"too many|turn (on|off)|mute)\b"
)
_CJK_ONLY = re.compile(rf"[{_CJK}]+")
_LATIN_WORD = re.compile(r"\b[a-z]{3,6}\b")
_SENTENCE_END = re.compile(rf"[。！？!?；;，,]|(?<=[{_CJK}])\s+(?=[{_CJK}])")
_ASKS = re.compile(
    r"吗|么|嘛|呢|怎|如何|哪|什么|啥|多少|几|能不能|可不可以|可以不|有没有|是不是|咋|请问|想问|"
    r"帮我|我要|我想|给我|\?|\b(how|what|where|when|which|who|can|could|do|does|is|are|will|"
    r"please|help|want|need)\b"
)


# "That's not what I asked", as members say it (a whole short message, not a word in a question).
_MISSED = re.compile(
    r"^\s*(不是这个|不是這個|不对|不對|答非所问|答非所問|不是我要问的|不是我想问的|我问的不是这个|"
    r"没回答我的问题|牛头不对马嘴|文不对题|"
    r"(that'?s |this is |it'?s )?not what i (asked|meant|wanted)|wrong answer|"
    r"(that'?s |this is )?not (it|right|helpful)|you misunderstood|that'?s wrong)"
    r"[\s!！。.,，?？~～]*$",
    re.IGNORECASE,
)


def says_it_missed(text: str) -> bool:
    """The member says the last answer missed ("不是这个", "not what I asked")."""
    return len(text) <= 40 and _MISSED.match(text) is not None


def asking_sentence(norm: str) -> str | None:
    """The last clause of a message that asks or requests something, with the one before it
    (voice input has no punctuation: a clause is then a space-separated stretch)."""
    clauses = [c.strip() for c in _SENTENCE_END.split(norm) if c and c.strip()]
    if len(clauses) < 2:
        return None
    for i in range(len(clauses) - 1, -1, -1):
        if _ASKS.search(clauses[i]):
            return " ".join(clauses[max(i - 1, 0) : i + 1])
    return None


def _slip_keys(concept_of: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for variant, feature in concept_of.items():
        if 3 <= len(variant) <= 5 and _CJK_ONLY.fullmatch(variant):
            for k in range(len(variant)):
                out.setdefault(variant[:k] + "?" + variant[k + 1 :], feature)
    return out


def _initials(
    pinyin: Mapping[tuple[str, ...], str], english: frozenset[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for syllables, feature in pinyin.items():
        if len(syllables) >= 3:
            key = "".join(s[0] for s in syllables)
            if key not in english:
                out.setdefault(key, feature)
    return out


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
