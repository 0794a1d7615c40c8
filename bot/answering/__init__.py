"""Turns a member's free text into an intent of shared/intents.md and its answer."""

from bot.answering.engine import KnowledgeAnswerer, load_answerer
from bot.answering.kb_files import KnowledgeBaseError, check_knowledge
from bot.answering.types import Answer, AnswerButton, Answerer, Certainty, Classification

__all__ = [
    "Answer",
    "AnswerButton",
    "Answerer",
    "Certainty",
    "Classification",
    "KnowledgeAnswerer",
    "KnowledgeBaseError",
    "check_knowledge",
    "load_answerer",
]
