"""The trained model is cached: a restart with the same knowledge base answers the same without
training, and a changed knowledge base is trained afresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import PACKAGED_KB, load_knowledge
from bot.answering.live import ReloadableAnswerer
from bot.answering.teach import add_phrasing


def test_a_restart_loads_the_cached_model_and_answers_the_same(tmp_path: Path) -> None:
    kb = load_knowledge()
    first = KnowledgeAnswerer(kb, tmp_path)
    (cached,) = tmp_path.glob("answering-*.model")
    second = KnowledgeAnswerer(kb, tmp_path)
    for text in ("京卡丢了咋办", "工会电话多少", "車險怎麼理賠", "jingka dazhe"):
        assert second.classify(text, lang="zh_CN") == first.classify(text, lang="zh_CN")
    assert list(tmp_path.glob("answering-*.model")) == [cached]


def test_a_changed_knowledge_base_is_trained_again(tmp_path: Path) -> None:
    kb_dir, cache = tmp_path / "kb", tmp_path / "cache"
    shutil.copytree(PACKAGED_KB, kb_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    KnowledgeAnswerer(load_knowledge(kb_dir), cache)
    (before,) = cache.glob("answering-*.model")
    add_phrasing(kb_dir, "reading_room", "职工小家能借用吗")
    fresh = KnowledgeAnswerer(load_knowledge(kb_dir), cache)
    (after,) = cache.glob("answering-*.model")
    assert after != before
    assert fresh.classify("职工小家能借用吗", lang="zh_CN").intent == "reading_room"


def test_the_bot_trains_a_missing_model_in_a_child_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kb_dir, cache = tmp_path / "kb", tmp_path / "cache"
    shutil.copytree(PACKAGED_KB, kb_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    add_phrasing(kb_dir, "human_handoff", "工会传真号多少")  # a knowledge base no process built
    answerer = ReloadableAnswerer(kb_dir, cache)
    assert len(list(cache.glob("answering-*.model"))) == 1
    assert "child process failed" not in caplog.text  # the child wrote it
    assert answerer.classify("京卡丢了咋办", lang="zh_CN").intent == "jingka.card"


def test_a_cache_file_cut_short_is_trained_again_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kb = load_knowledge()
    KnowledgeAnswerer(kb, tmp_path)
    (cached,) = tmp_path.glob("answering-*.model")
    whole = cached.read_bytes()
    cached.write_bytes(whole[: len(whole) - 1000])  # a disk that filled up mid-write
    again = KnowledgeAnswerer(kb, tmp_path)
    assert "unreadable" in caplog.text
    assert cached.read_bytes() == whole
    assert again.classify("京卡丢了咋办", lang="zh_CN").intent == "jingka.card"


def test_an_earlier_versions_cache_file_is_removed_after_training(tmp_path: Path) -> None:
    old = tmp_path / "answering-0123456789abcdef01234567.npz"
    old.write_bytes(b"PK\x03\x04 numpy weights")
    KnowledgeAnswerer(load_knowledge(), tmp_path)
    assert not old.exists()
    assert len(list(tmp_path.glob("answering-*.model"))) == 1
