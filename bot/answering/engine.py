"""The answering engine: reads a message as an intent and gives that intent's answer."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from bot.answering.kb_files import PACKAGED_KB, Entry, Knowledge, load_knowledge
from bot.answering.model import LinearModel, cached_path, fingerprint, softmax, trained
from bot.answering.reply import reply_for
from bot.answering.taxonomy import NO_TOPIC, UNKNOWN, family, lang_key
from bot.answering.text import Featurizer, normalize, says_it_missed
from bot.answering.types import Answer, Certainty, Classification

log = logging.getLogger(__name__)
TRAIN_TIMEOUT = 600  # seconds; a 10x knowledge base trains in about 20 s of CPU

# Below this probability the best union intent is not trusted: answer "unknown". A message naming
# union business (an [action] or [topic] concept of _synonyms.toml) needs less than everyday
# words. Both chosen by grouped cross-validation (bench/qa_eval.py --cv), not by hand.
THRESHOLD_TOPIC = 0.0
THRESHOLD_BARE = 0.7
# Added to the `unknown` margin: off-topic questions are fewer and more varied in training than
# in real traffic. Chosen with the thresholds by grouped cross-validation.
UNKNOWN_BIAS = 0.3
# A runner-up whose margin is within this of the winner's makes the reading ambiguous.
AMBIGUOUS_GAP = 0.45
# A short follow-up ("那怎么申请？") leans towards the previous topic by this much; more when it
# names no topic of its own ("要什么材料" after legal help is still about legal help).
CONTEXT_BONUS = 0.6
CONTEXT_BONUS_BARE = 0.8
SIBLING_SHARE = 0.9
# A follow-up that on its own reads as off-topic with this probability ("那股票呢") changes the
# subject, unless it is made of follow-up words only ("多少钱", "and where?").
OFF_TOPIC_FOLLOW_UP = 0.5
MAX_CANDIDATES = 3
SHORT_TEXT = 40  # characters: messages this short have their reading kept
SHORT_CACHE = 4096  # readings kept (a few hundred KB)

# Concept features that name union business: topics ("@") and requests to the bot ("^").
TOPIC_PREFIXES = "@^"

_FOLLOW_UP = re.compile(
    r"^(那|那么|还有|另外|然后|所以|如果|要是)|怎么(申请|办|弄|报名|领|参加|查|交|用)|在哪|哪里|多少|"
    r"什么时候|几点|几号|要(什么|啥|多久)|需要|可以吗|能吗|呢|条件|材料|"
    r"^(and|so|then|also|but|what about|how about)\b|\b(how|where|when|who|which|what)\b"
)
_FOLLOW_UP_MAX_CHARS = 16
_FOLLOW_UP_MAX_WORDS = 7


def is_follow_up(norm: str) -> bool:
    """A short (normalised) question that only makes sense after the previous answer."""
    short = len(norm) <= _FOLLOW_UP_MAX_CHARS or (
        norm.isascii() and len(norm.split()) <= _FOLLOW_UP_MAX_WORDS
    )
    return short and _FOLLOW_UP.search(norm) is not None and not says_it_missed(norm)


_FILLER = re.compile(
    r"[\s\W_]|[的了呢吗啊呀吧嘛个要能我们你]|\b(is|it|the|a|about|there|do|you)\b"
)


def is_vague(norm: str) -> bool:
    """A follow-up made of question words only, with no subject of its own."""
    rest = _FILLER.sub("", _FOLLOW_UP.sub("", norm))
    return len(rest) <= 1 or (rest.isascii() and len(rest) <= 4)


def training_texts(knowledge: Knowledge) -> list[tuple[str, str]]:
    """(intent, phrasing) for every phrasing of the knowledge base."""
    return [
        (entry.intent, text)
        for entry in knowledge.entries.values()
        for phrasings in entry.phrasings.values()
        for text in phrasings
    ]


class KnowledgeAnswerer:
    """Answerer over a knowledge base: a classifier trained on its phrasings, context, answers."""

    def __init__(self, knowledge: Knowledge, cache_dir: Path | None = None) -> None:
        self.entries: Mapping[str, Entry] = dict(knowledge.entries)
        english = [p for e in self.entries.values() for p in e.phrasings.get("en", ())]
        english += [e.answer.get("en", "") for e in self.entries.values()]
        self.featurizer = Featurizer.build(knowledge.concepts, english)
        texts = training_texts(knowledge)
        key = fingerprint(texts, knowledge.concepts)
        self.model: LinearModel = trained(key, lambda: self._training_data(texts), cache_dir)
        # Short messages repeat, above all after a broadcast ("1", "报名", "谢谢"): their
        # reading is kept, per topic of the conversation. A reload builds a new engine.
        self._short: Callable[[str, str | None], Classification] = lru_cache(
            maxsize=SHORT_CACHE)(self._classify)

    def _training_data(
        self, texts: list[tuple[str, str]]
    ) -> tuple[list[Mapping[str, float]], list[str]]:
        docs: list[Mapping[str, float]] = []
        labels: list[str] = []
        for intent, text in texts:
            feats = self.featurizer.question_features(normalize(text))
            if feats:
                docs.append(feats)
                labels.append(intent)
        return docs, labels

    def forget_readings(self) -> None:
        """Drop the kept readings of short messages (for measuring the reading itself)."""
        self._short.cache_clear()  # type: ignore[attr-defined]

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def classify(
        self, text: str, *, lang: str, previous_intent: str | None = None
    ) -> Classification:
        """Read a message as one intent; never raises, whatever the input."""
        try:
            text = text if isinstance(text, str) else ""
            if len(text) <= SHORT_TEXT:
                return self._short(text, previous_intent)
            return self._classify(text, previous_intent)
        except Exception:  # a member's message must never crash the bot
            return Classification(UNKNOWN, 0.0, Certainty.UNKNOWN)

    def _classify(self, text: str, previous_intent: str | None) -> Classification:
        norm = normalize(text)
        feats = self.featurizer.question_features(norm)
        follow_up = (
            previous_intent in self.entries
            and previous_intent not in NO_TOPIC
            and is_follow_up(norm)
        )
        has_topic = any(key[0] in TOPIC_PREFIXES for key in feats)
        if not feats and not follow_up:
            return Classification(UNKNOWN, 1.0, Certainty.UNKNOWN)
        if not has_topic and any(key[0] == "!" for key in feats):
            # about 京东卡, 医保 or a driving licence, and nothing of the union's: a near miss
            return Classification(UNKNOWN, 1.0, Certainty.UNKNOWN)
        margins = self.model.margins(feats)
        margins[UNKNOWN] = margins.get(UNKNOWN, 0.0) + UNKNOWN_BIAS
        scores = softmax(margins)
        if follow_up and scores[UNKNOWN] >= OFF_TOPIC_FOLLOW_UP and not is_vague(norm):
            follow_up = False  # "那股票呢": a new subject, off-topic on its own
        if follow_up and previous_intent is not None:
            margins = self._in_context(margins, previous_intent, has_topic)
            scores = softmax(margins)
            has_topic = True  # the previous answer supplies the topic
        in_context = follow_up and previous_intent is not None
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        union = [(i, round(min(s, 1.0), 4)) for i, s in ranked if i != UNKNOWN]
        candidates = tuple(union[:MAX_CANDIDATES])
        top_intent, _top_score = ranked[0]
        threshold = 0.0 if in_context else THRESHOLD_TOPIC if has_topic else THRESHOLD_BARE
        if top_intent == UNKNOWN or not union or union[0][1] < threshold:
            confidence = max(scores.get(UNKNOWN, 0.0), 1.0 - (union[0][1] if union else 0.0))
            return Classification(
                UNKNOWN, round(min(confidence, 1.0), 4), Certainty.UNKNOWN, candidates
            )
        second = union[1][0] if len(union) > 1 else UNKNOWN
        if margins[top_intent] - margins[second] < AMBIGUOUS_GAP:
            return Classification(top_intent, union[0][1], Certainty.AMBIGUOUS, candidates[:2])
        return Classification(top_intent, union[0][1], Certainty.CONFIDENT, candidates)

    @staticmethod
    def _in_context(
        margins: dict[str, float], previous: str, has_topic: bool
    ) -> dict[str, float]:
        """Margins leaning towards the previous answer and its siblings, `unknown` ruled out."""
        bonus = CONTEXT_BONUS if has_topic else CONTEXT_BONUS_BARE
        topic = family(previous)
        out = dict(margins)
        out[UNKNOWN] = min(margins.values()) - 1.0
        for intent in margins:
            if intent == previous:
                out[intent] += bonus
            elif family(intent) == topic and intent != UNKNOWN:
                out[intent] += bonus * SIBLING_SHARE
        return out

    def _entry(self, intent: str) -> Entry:
        return self.entries.get(intent) or self.entries[UNKNOWN]

    def answer(self, intent: str, *, lang: str) -> Answer:
        """The knowledge-base answer of an intent in the member's language."""
        entry, key = self._entry(intent), lang_key(lang)
        buttons = tuple((b.label[key], b.payload) for b in entry.buttons)
        return Answer(intent=entry.intent, text=entry.answer[key], buttons=buttons)

    def title(self, intent: str, *, lang: str) -> str:
        """A short label for clarification buttons (at most 20 characters)."""
        return self._entry(intent).title[lang_key(lang)][:20]

    def reply(self, result: Classification, *, lang: str) -> Answer:
        """What the member sees for a classification: the answer, a question, or "unknown"."""
        return reply_for(self, result, lang=lang)


# Engines already built in this process, by knowledge-base directory and file versions: a test
# suite or a reload of unchanged files does not train again.
_BUILT: dict[tuple[object, ...], KnowledgeAnswerer] = {}
_BUILT_MAX = 4


def _kb_key(kb_dir: Path | None) -> tuple[object, ...]:
    root = PACKAGED_KB if kb_dir is None else kb_dir
    try:
        files = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.glob("*.toml"))
        )
    except OSError:
        files = ()
    return (str(root.resolve()), files)


def load_answerer(
    kb_dir: Path | None = None, cache_dir: Path | None = None, *, train_apart: bool = False
) -> KnowledgeAnswerer:
    """Build the engine from a knowledge-base directory (None: the packaged one); the trained
    model is kept in `cache_dir` (None: only in this process's memory). With `train_apart`, a
    model missing from the cache is trained in a child process: scikit-learn and the training
    matrices (about 100 MB) never enter this process, which only loads the weights."""
    key = _kb_key(kb_dir)
    built = _BUILT.get(key)
    if built is None:
        knowledge = load_knowledge(kb_dir)
        if train_apart and cache_dir is not None:
            _train_in_child(knowledge, kb_dir, cache_dir)
        built = KnowledgeAnswerer(knowledge, cache_dir)
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[key] = built
    return built


def _train_in_child(knowledge: Knowledge, kb_dir: Path | None, cache_dir: Path) -> None:
    key = fingerprint(training_texts(knowledge), knowledge.concepts)
    if cached_path(cache_dir, key).is_file():
        return
    command = [sys.executable, "-m", "bot.answering.build", "--cache", str(cache_dir)]
    if kb_dir is not None:
        command += ["--kb", str(kb_dir)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TRAIN_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("answering: training in a child process failed (%s); training here", exc)
        return
    if done.returncode != 0:
        log.warning("answering: training in a child process failed (exit %s): %s; training "
                    "here", done.returncode, done.stderr.strip()[-500:])
