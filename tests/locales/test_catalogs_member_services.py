"""Every string of the discounts, binding, accounts and claims screens has a Chinese
translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = {
    "discounts": ["handlers/discounts.py"],
    "binding": ["handlers/binding.py"],
    "accounts": ["handlers/takeover.py", "handlers/notices.py", "handlers/quotas.py"],
    "claims": sorted(str(p.relative_to(ROOT)) for p in (ROOT / "handlers/claims").glob("*.py")),
    "applications": sorted(str(p.relative_to(ROOT))
                           for p in (ROOT / "handlers/applications").glob("*.py")),
}


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_every_string_is_translated(domain: str) -> None:
    with (ROOT / f"locales/zh_CN/LC_MESSAGES/{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    wanted = {
        message if isinstance(message, str) else message[0]
        for path in DOMAINS[domain]
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / path, keywords={"_": None, "N_": None, "gettext": None,
                                          "ngettext": (1, 2)})
    }
    assert wanted - translated == set()
