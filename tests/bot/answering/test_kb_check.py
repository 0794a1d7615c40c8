"""`unionbot kb check` and start-up: every knowledge-base error names its file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering import KnowledgeBaseError, check_knowledge, load_answerer
from bot.answering.kb_files import PACKAGED_KB
from bot.answering.taxonomy import DEFAULT_ACTIONS


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A staff copy of the packaged knowledge base, to break on purpose."""
    target = tmp_path / "kb"
    shutil.copytree(PACKAGED_KB, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_packaged_knowledge_base_is_clean() -> None:
    assert check_knowledge(None, DEFAULT_ACTIONS) == []


def test_a_clean_staff_copy_loads(kb_dir: Path) -> None:
    assert check_knowledge(kb_dir, DEFAULT_ACTIONS) == []
    assert load_answerer(kb_dir).classify("京卡丢了", lang="zh_CN").intent == "jingka.card"


def test_missing_language_names_file_and_entry(kb_dir: Path) -> None:
    edit(kb_dir / "job_fairs.toml", '\nen = """The district union', '\nfr = """x')
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert any(
        e.startswith("job_fairs.toml: job_fairs: answer") and "'en'" in e for e in errors
    ), errors


def test_unknown_intent_id_names_file_and_entry(kb_dir: Path) -> None:
    edit(kb_dir / "summer_cooling.toml", 'intent = "summer_cooling"', 'intent = "summer_coolng"')
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert any(
        e.startswith("summer_cooling.toml: summer_coolng:") and "unknown intent id" in e
        for e in errors
    ), errors
    # and the real intent now has no entry
    assert any("summer_cooling: no entry" in e for e in errors)


def test_broken_button_target_names_file_entry_and_button(kb_dir: Path) -> None:
    edit(kb_dir / "jingka.card.toml", 'payload = "bind.start"', 'payload = "bind.begin"')
    edit(
        kb_dir / "hardship_aid.toml",
        'payload = "faq.intent:student_aid"',
        'payload = "faq.intent:student_grants"',
    )
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert any(
        e.startswith("jingka.card.toml: jingka.card: button 1 ('bind.begin')")
        and "unknown action 'bind.begin'" in e
        for e in errors
    ), errors
    assert any(
        e.startswith("hardship_aid.toml: hardship_aid: button 1") and "'student_grants'" in e
        for e in errors
    ), errors


def test_actions_the_core_does_not_route_are_broken(kb_dir: Path) -> None:
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS - {"claim.start"})
    assert errors == [
        "mutual_aid.claim.toml: mutual_aid.claim: button 1 ('claim.start'): "
        "broken button target: unknown action 'claim.start'"
    ]


def test_payload_over_telegram_limit(kb_dir: Path) -> None:
    edit(
        kb_dir / "reading_room.toml",
        'payload = "human.start"',
        'payload = "human.start:' + "长" * 20 + '"',
    )
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert any(
        e.startswith("reading_room.toml: reading_room: button 1") and "64 bytes" in e
        for e in errors
    ), errors


def test_unreadable_toml_names_the_file(kb_dir: Path) -> None:
    (kb_dir / "greeting.toml").write_text('intent = "greeting"\n[answer\n', encoding="utf-8")
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert any(e.startswith("greeting.toml: cannot read the file") for e in errors), errors


def test_start_up_refuses_a_broken_knowledge_base(kb_dir: Path) -> None:
    (kb_dir / "help.toml").unlink()
    with pytest.raises(KnowledgeBaseError) as caught:
        load_answerer(kb_dir)
    assert any("help: no entry" in e for e in caught.value.errors)


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    errors = check_knowledge(tmp_path / "nowhere", DEFAULT_ACTIONS)
    assert len(errors) == 1 and "not found" in errors[0]


def test_a_staff_copy_without_the_lexicon_is_refused(kb_dir: Path) -> None:
    (kb_dir / "_synonyms.toml").unlink()
    errors = check_knowledge(kb_dir, DEFAULT_ACTIONS)
    assert len(errors) == 1 and "_synonyms.toml: missing" in errors[0]
