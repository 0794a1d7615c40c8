"""Trains the answering model for a knowledge base and writes it to the cache; the bot runs this
in a child process so that scikit-learn never loads into the bot itself.

    python -m bot.answering.build --cache DATA_DIR/cache [--kb KNOWLEDGE_DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.answering.engine import load_answerer
from bot.answering.kb_files import KnowledgeBaseError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--kb", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        load_answerer(args.kb, args.cache)
    except KnowledgeBaseError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
