"""What a running bot keeps in memory: libraries it only needs now and then are not imported
until they are (numpy 16 MB, redis 7 MB, icalendar 4 MB of a bot that must stay under 150 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import load_knowledge

PROBE = """
import json, sys
from pathlib import Path
import bot.app, bot.cli
from bot.answering.engine import KnowledgeAnswerer
from bot.answering.kb_files import load_knowledge
engine = KnowledgeAnswerer(load_knowledge(), Path(sys.argv[1]))
reading = engine.classify("京卡丢了咋办", lang="zh_CN")
print(json.dumps({"intent": reading.intent,
                  "loaded": sorted(m for m in ("numpy", "scipy", "sklearn", "redis", "icalendar")
                                   if m in sys.modules)}))
"""


def test_a_bot_started_from_the_cache_answers_without_numpy_redis_or_icalendar(
    tmp_path: Path,
) -> None:
    KnowledgeAnswerer(load_knowledge(), tmp_path)  # the model as the first start leaves it
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True,
                          text=True, check=True, timeout=120)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"intent": "jingka.card", "loaded": []}
