"""One engine over the packaged knowledge base, shared by the answering tests."""

from __future__ import annotations

import pytest

from bot.answering import KnowledgeAnswerer, load_answerer


@pytest.fixture(scope="session")
def answerer() -> KnowledgeAnswerer:
    return load_answerer()
