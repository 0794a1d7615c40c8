"""How people write dates, amounts, yes/no and "never mind", in Chinese and English.

Flows ask a question and get 上周五, 一万五 or 算了 back; these functions turn such answers into a
date, integer fen, a boolean or "leave the flow". Hand-written because the libraries that parse
dates (dateparser) or Chinese numerals (cn2an) each cover one half and not the colloquial forms
(一万五 is 15000, 三千五 is 3500) a member types.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
_CN_BIG = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十拾百佰千仟万亿kw]")
_CURRENCY = re.compile(r"[¥￥$]|人民币|rmb|cny|yuan|块钱|块|元整|元|圆")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?:\D|$))")
_PUNCT = re.compile(r"[\s。.!！?？,，~～、;；:：\"'“”‘’()（）]+")

WEEKDAYS = {
    **{name: i for i, name in enumerate("一二三四五六")}, "日": 6, "天": 6, "七": 6,
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    "tues": 1, "thur": 3, "thurs": 3,
}
MONTHS = {name: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2,
    "大前天": 3, "the day before yesterday": 2, "day before yesterday": 2,
}
_ZH_WEEKDAY = re.compile(r"^(上上|上|这|本|这个|上个)?(?:周|星期|礼拜)([一二三四五六日天七])$")
_EN_WEEKDAY = re.compile(r"^(last|this|on)?\s*([a-z]+)$")
_DAYS_AGO = re.compile(r"^(\d+|[一二两三四五六七八九十]+)\s*(?:天前|日前|days? ago)$")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
_MD_ZH = re.compile(r"^(?:(上个?|这个?|本)月)?(?:(\d{1,2})\s*月)?\s*(\d{1,2})\s*[日号]$")
_MD_DOT = re.compile(r"^(\d{1,2})\s*\.\s*(\d{1,2})$")
_MD_SLASH = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$")
_EN_DM = re.compile(
    r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+([a-z]+)\.?,?(?:\s+(\d{4}))?$")
_EN_MD = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")

YES_WORDS = frozenset({
    "yes", "y", "yeah", "yep", "yup", "ok", "okay", "sure", "correct", "right", "confirm",
    "submit", "agree", "i agree", "yes please", "go ahead", "send it", "that's right",
    "是", "是的", "对", "对的", "好", "好的", "行", "可以", "确认", "提交", "同意", "我同意", "嗯",
    "嗯嗯", "没问题", "没错", "确定", "对头", "好滴", "ok的", "确认提交", "是的提交", "同意的",
})
NO_WORDS = frozenset({
    "no", "n", "nope", "nah", "not really", "i do not agree", "i don t agree", "disagree",
    "wrong", "否", "不", "不是", "不对", "不要", "不用", "不同意", "我不同意", "没有",
    "错了", "不行", "不可以", "拒绝",
})
_EXIT_EXACT = frozenset({
    "cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind", "forget it",
    "no thanks", "leave", "取消", "退出", "放弃", "结束", "不要了", "不弄了", "不填了", "停",
    "不办", "别办了", "算啦", "不用了",
})
_EXIT_PATTERN = re.compile(
    r"算了|不办了|不想办|不想申请|不申请了|不想(?:再)?填|不想弄了|先不(?:办|申请|弄|填)了?|取消申请|"
    r"never\s*mind|forget (?:it|about it)|i (?:don ?t|do not) want to (?:apply|claim|continue)|"
    r"changed my mind|cancel (?:it|this|the (?:claim|application))"
)
EXIT_MAX_LENGTH = 40  # a long answer that mentions 算了 in passing is an answer, not a request


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower().strip()
    return re.sub(r"\s+", " ", folded)


def _bare(text: str) -> str:
    return _PUNCT.sub(" ", normalize(text)).strip()


def parse_yes_no(text: str) -> bool | None:
    """True for yes/是的/好, False for no/不/不同意, None when it is neither."""
    bare = _bare(text)
    if bare in YES_WORDS or bare.replace(" ", "") in YES_WORDS:
        return True
    if bare in NO_WORDS or bare.replace(" ", "") in NO_WORDS:
        return False
    return None


def is_exit(text: str) -> bool:
    """算了, 不办了, 我不想申请了, never mind, cancel: the member wants out of the flow."""
    bare = _bare(text)
    if not bare or len(bare) > EXIT_MAX_LENGTH:
        return False
    return bare in _EXIT_EXACT or _EXIT_PATTERN.search(bare) is not None


def parse_chinese_number(text: str) -> Decimal | None:
    """一万五 -> 15000, 三千五 -> 3500, 两百零五 -> 205, 1.5万 -> 15000, 3.5k -> 3500,
    十二 -> 12; digits alone pass through. None if anything else is in the text."""
    if re.search(r"\d\s+\d", text):
        return None
    compact = text.replace(" ", "")
    tokens = _TOKEN.findall(compact)
    if not tokens or "".join(tokens) != compact:
        return None
    total, section, number = Decimal(0), Decimal(0), Decimal(-1)
    last_unit, zero_seen = 0, False
    for token in tokens:
        if token in _CN_BIG:
            amount = section + max(number, Decimal(0))
            if token == "亿":
                total = (total + amount) * _CN_BIG[token]
            else:
                total += (amount or Decimal(1)) * _CN_BIG[token]
            section, number, last_unit, zero_seen = Decimal(0), Decimal(-1), _CN_BIG[token], False
        elif token in _CN_UNITS:
            unit = _CN_UNITS[token]
            section += (number if number >= 0 else Decimal(1)) * unit
            number, last_unit, zero_seen = Decimal(-1), unit, False
        elif token in ("零", "〇") and number < 0 and last_unit:
            zero_seen = True
        else:
            if number >= 0:
                return None  # two numbers in a row: 三五, 12 34
            number = Decimal(_CN_DIGITS[token]) if token in _CN_DIGITS else Decimal(token)
    if number >= 0:
        # 一万五 / 三千五: a bare digit after a unit is one unit lower (unless 零 came between)
        if last_unit >= 10 and not zero_seen and number < 10 and tokens[-2] in (
                *_CN_UNITS, *_CN_BIG):
            number *= Decimal(last_unit // 10)
        section += number
    return total + section


def parse_amount(text: str) -> int | None:
    """'一万五', '两千', '3.5k', '1,200.50', '¥3000', '3000元', '3000 yuan' -> fen.
    None when it is not one positive amount with at most two decimals."""
    cleaned = _THOUSANDS.sub("", normalize(text))
    cleaned = _CURRENCY.sub("", cleaned).strip().rstrip("。.")
    cleaned = re.sub(r"(?<=\d)\s+(?=[kw万千])", "", cleaned)
    if not cleaned or cleaned.startswith("-"):
        return None
    value = parse_chinese_number(cleaned)
    if value is None or value <= 0:
        return None
    try:
        fen = value * 100
        if fen != fen.to_integral_value():
            return None
        return int(fen)
    except InvalidOperation:
        return None


def _small_number(text: str) -> int | None:
    value = parse_chinese_number(text)
    return int(value) if value is not None and value == int(value) else None


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _past(month: int, day: int, today: date) -> date | None:
    """A month and day without a year: this year's, or last year's if that is in the future."""
    this_year = _make(today.year, month, day)
    if this_year is not None and this_year > today:
        return _make(today.year - 1, month, day)
    return this_year


def _weekday(which: str, weekday: int, today: date) -> date:
    monday = today - timedelta(days=today.weekday())
    if which in ("上", "上个"):
        return monday - timedelta(days=7) + timedelta(days=weekday)
    if which == "上上":
        return monday - timedelta(days=14) + timedelta(days=weekday)
    if which in ("这", "本", "这个", "this"):
        return monday + timedelta(days=weekday)
    back = (today.weekday() - weekday) % 7
    if which == "last" and back == 0:
        back = 7
    return today - timedelta(days=back)


def _chinese_date(text: str, today: date) -> date | None:
    compact = text.replace(" ", "")
    if compact in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[compact])
    if (match := _ZH_WEEKDAY.match(compact)) is not None:
        return _weekday(match[1] or "", WEEKDAYS[match[2]], today)
    converted = re.sub(r"[零〇一二两三四五六七八九十]+",
                       lambda m: str(_small_number(m[0]) or m[0]), compact)
    if (match := _DAYS_AGO.match(converted)) is not None:
        return today - timedelta(days=int(match[1]))
    if (match := _YMD.match(converted)) is not None:
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if (match := _MD_ZH.match(converted)) is not None:
        if match[2] is not None:
            return _past(int(match[2]), int(match[3]), today)
        first = today.replace(day=1)
        month = first - timedelta(days=1) if match[1] and match[1].startswith("上") else today
        return _make(month.year, month.month, int(match[3]))
    return None


def _english_date(text: str, today: date) -> date | None:
    if text in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[text])
    if (match := _DAYS_AGO.match(text)) is not None:
        return today - timedelta(days=int(match[1]))
    if (match := _EN_WEEKDAY.match(text)) is not None and match[2] in WEEKDAYS:
        return _weekday(match[1] or "", WEEKDAYS[match[2]], today)
    for pattern, day_group, month_group in ((_EN_DM, 1, 2), (_EN_MD, 2, 1)):
        if (match := pattern.match(text)) is not None and match[month_group] in MONTHS:
            month, day = MONTHS[match[month_group]], int(match[day_group])
            if match[3]:
                return _make(int(match[3]), month, day)
            return _past(month, day, today)
    return None


def _numeric_date(text: str, today: date, language: str) -> date | None:
    if (match := _DMY.match(text)) is not None:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 or (second <= 12 and language == "en"):
            return _make(year, second, first)
        return _make(year, first, second)
    if (match := _MD_DOT.match(text)) is not None:
        return _past(int(match[1]), int(match[2]), today)
    if (match := _MD_SLASH.match(text)) is not None:
        first, second = int(match[1]), int(match[2])
        day_first = first > 12 or (second <= 12 and language == "en")
        return _past(second, first, today) if day_first else _past(first, second, today)
    return None


def parse_date(text: str, *, today: date, language: str = "zh_CN") -> date | None:
    """上周五, 11月20日, 11.20, 昨天, yesterday, last Friday, 2026-11-20, 20/11, 20 Nov ->
    a date. A date without a year is the latest one not after `today`. Both numbers of 5/6
    fit a month: day first for English readers, month first for Chinese ones."""
    cleaned = normalize(text).rstrip("。.!！")
    cleaned = re.sub(r"^(?:在|是|on|it was|date:?|日期[:：]?)\s*", "", cleaned)
    if not cleaned:
        return None
    for parser in (_chinese_date, _english_date):
        found = parser(cleaned, today)
        if found is not None:
            return found
    return _numeric_date(cleaned.replace(" ", ""), today, language)


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]{2,}")


def language_of(text: str) -> str | None:
    """zh_CN for any Chinese character, en for English words, None when it cannot tell
    (numbers, 'ok', an emoji)."""
    if _CJK.search(text):
        return "zh_CN"
    words = _LATIN_WORD.findall(normalize(text))
    if sum(len(word) for word in words) >= 4:
        return "en"
    return None
