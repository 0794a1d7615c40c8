"""The answerer the running bot holds: swaps in a new knowledge base without a restart, and
keeps the old one answering when the new files have an error."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.answering.engine import KnowledgeAnswerer, load_answerer
from bot.answering.kb_files import KnowledgeBaseError
from bot.answering.types import Answer, Classification

log = logging.getLogger(__name__)


class ReloadableAnswerer:
    """An Answerer whose knowledge base can be reloaded while the bot runs."""

    def __init__(self, kb_dir: Path | None, cache_dir: Path | None = None) -> None:
        self.kb_dir = kb_dir
        self.cache_dir = cache_dir
        self.current: KnowledgeAnswerer = self._load()
        self._lock = threading.Lock()

    def reload(self) -> list[str]:
        """Read and train the knowledge base again; [] when the new one is in use, else the
        errors (file and line) and the old one keeps answering. Safe to run in a thread."""
        with self._lock:
            try:
                fresh = self._load()
            except KnowledgeBaseError as exc:
                log.error("knowledge base refused, the previous one keeps answering:\n%s",
                          "\n".join(exc.errors))
                return exc.errors
            self.current = fresh  # one reference swap: a question in flight keeps the old one
        log.info("knowledge base reloaded: %d intents", len(fresh.intents))
        return []

    def _load(self) -> KnowledgeAnswerer:
        # trained in a child process when the cache lacks it: the bot stays small
        return load_answerer(self.kb_dir, self.cache_dir, train_apart=self.cache_dir is not None)

    @property
    def intents(self) -> tuple[str, ...]:
        return self.current.intents

    def classify(
        self, text: str, *, lang: str, previous_intent: str | None = None
    ) -> Classification:
        return self.current.classify(text, lang=lang, previous_intent=previous_intent)

    def answer(self, intent: str, *, lang: str) -> Answer:
        return self.current.answer(intent, lang=lang)

    def title(self, intent: str, *, lang: str) -> str:
        return self.current.title(intent, lang=lang)

    def reply(self, result: Classification, *, lang: str) -> Answer:
        return self.current.reply(result, lang=lang)
