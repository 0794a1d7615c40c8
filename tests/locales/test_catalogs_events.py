"""Every string of the events and handoff domains has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.mark.parametrize("domain", ["events", "handoff"])
def test_domain_is_translated(domain: str) -> None:
    with (LOCALES / "zh_CN" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    assert missing == []
    assert len(catalog) > 10
