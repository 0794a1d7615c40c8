"""Writes bot/answering/pinyin_table.txt: toneless pinyin of the GB2312 characters and of every
character in the knowledge base, grouped by syllable. The bot reads this small table instead of
loading pypinyin's whole dictionary (about 40,000 entries) at run time."""

from __future__ import annotations

import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from pypinyin.pinyin_dict import pinyin_dict

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "answering" / "pinyin_table.txt"


def strip_tone(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "u")


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def main() -> None:
    chars = gb2312_chars()
    for path in (ROOT / "bot" / "answering" / "kb").glob("*.toml"):
        chars |= {c for c in path.read_text(encoding="utf-8") if "\u3400" <= c <= "\u9fff"}
    by_syllable: dict[str, list[str]] = defaultdict(list)
    for char in sorted(chars):
        readings = pinyin_dict.get(ord(char))
        if readings:
            # the first reading is the most common one; homophone slips mostly keep it
            by_syllable[strip_tone(readings.split(",", 1)[0])].append(char)
    lines = [f"{s} {''.join(cs)}" for s, cs in sorted(by_syllable.items()) if s.isalpha()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {sum(map(len, by_syllable.values()))} characters, "
          f"{len(lines)} syllables", file=sys.stderr)


if __name__ == "__main__":
    main()
