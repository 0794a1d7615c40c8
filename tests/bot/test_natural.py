"""Dates, amounts, yes/no and exit phrases as members type them, in Chinese and English."""

from __future__ import annotations

from datetime import date

import pytest

from bot.natural import is_exit, parse_amount, parse_date, parse_yes_no

TODAY = date(2026, 12, 3)  # a Thursday

DATES = [
    ("今天", date(2026, 12, 3)), ("昨天", date(2026, 12, 2)), ("前天", date(2026, 12, 1)),
    ("today", date(2026, 12, 3)), ("Yesterday", date(2026, 12, 2)),
    ("上周五", date(2026, 11, 27)), ("上星期五", date(2026, 11, 27)),
    ("上礼拜三", date(2026, 11, 25)), ("上周日", date(2026, 11, 29)), ("周一", date(2026, 11, 30)),
    ("星期四", date(2026, 12, 3)), ("这周二", date(2026, 12, 1)), ("上上周一", date(2026, 11, 16)),
    ("last Friday", date(2026, 11, 27)), ("last thursday", date(2026, 11, 26)),
    ("Monday", date(2026, 11, 30)), ("on Tuesday", date(2026, 12, 1)),
    ("11月20日", date(2026, 11, 20)), ("11月20号", date(2026, 11, 20)),
    ("十一月二十日", date(2026, 11, 20)), ("12月20日", date(2025, 12, 20)),
    ("20号", date(2026, 12, 20)), ("上个月20号", date(2026, 11, 20)),
    ("11.20", date(2026, 11, 20)), ("11.20。", date(2026, 11, 20)),
    ("20/11", date(2026, 11, 20)), ("11/20", date(2026, 11, 20)),
    ("2026-11-20", date(2026, 11, 20)), ("2026/11/20", date(2026, 11, 20)),
    ("2026.11.20", date(2026, 11, 20)), ("2026年11月20日", date(2026, 11, 20)),
    ("２０２６－１１－２０", date(2026, 11, 20)), ("20/11/2026", date(2026, 11, 20)),
    ("20.11.2026", date(2026, 11, 20)), ("3天前", date(2026, 11, 30)),
    ("三天前", date(2026, 11, 30)), ("2 days ago", date(2026, 12, 1)),
    ("20 Nov", date(2026, 11, 20)), ("20th November 2026", date(2026, 11, 20)),
    ("Nov 20", date(2026, 11, 20)), ("November 20, 2026", date(2026, 11, 20)),
    ("the 20th of November", date(2026, 11, 20)), ("是11月20日", date(2026, 11, 20)),
]
NOT_DATES = ["", "不知道", "hello", "2026-13-01", "2026-02-30", "32/11", "next year", "3500",
             "上周八", "abc 20"]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", NOT_DATES)
def test_what_is_not_a_date(text: str) -> None:
    assert parse_date(text, today=TODAY) is None


def test_ambiguous_day_and_month_follow_the_reader() -> None:
    assert parse_date("5/6", today=TODAY, language="zh_CN") == date(2026, 5, 6)
    assert parse_date("5/6", today=TODAY, language="en") == date(2026, 6, 5)


AMOUNTS = [
    ("3000", 300_000), ("3500.50", 350_050), ("1,200.50", 120_050), ("¥3000", 300_000),
    ("￥3,000", 300_000), ("3000元", 300_000), ("3000 元", 300_000), ("3000块", 300_000),
    ("3000块钱", 300_000), ("3000 yuan", 300_000), ("RMB 3000", 300_000), ("3.5k", 350_000),
    ("3.5K", 350_000), ("3k", 300_000), ("1.5万", 1_500_000), ("1万2", 1_200_000),
    ("一万五", 1_500_000), ("一万五千", 1_500_000), ("一万五千元", 1_500_000),
    ("两千", 200_000), ("两千块", 200_000), ("三千五", 350_000), ("三千五百", 350_000),
    ("两百五", 25_000), ("一千二百五十", 125_000), ("两千零五十", 205_000),
    ("一万零五", 1_000_500), ("十五", 1_500), ("二十", 2_000), ("五百元", 50_000),
    ("３０００", 300_000), ("1 万", 1_000_000), ("8000.", 800_000), ("0.5", 50),
]
NOT_AMOUNTS = ["", "0", "-300", "abc", "3000.555", "三五", "12 34", "三千多", "about 3000",
               "0元"]


@pytest.mark.parametrize(("text", "fen"), AMOUNTS)
def test_amounts_people_type(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_what_is_not_an_amount(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(("text", "answer"), [
    ("yes", True), ("Yes.", True), ("OK", True), ("sure", True), ("确认", True), ("是的", True),
    ("好的！", True), ("对", True), ("可以", True), ("提交", True), ("同意", True), ("嗯", True),
    ("no", False), ("No thanks", None), ("不", False), ("不是", False), ("不对", False),
    ("不同意", False), ("nope", False), ("maybe", None), ("3000", None), ("", None),
])
def test_yes_and_no_in_words(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize("text", [
    "算了", "算了吧", "不办了", "我不想申请了", "不想办了", "先不申请了", "取消", "退出", "放弃",
    "never mind", "Nevermind.", "cancel", "Cancel it", "forget it", "I don't want to apply",
    "I changed my mind", "算了，不弄了", "stop",
])
def test_exit_phrases(text: str) -> None:
    assert is_exit(text)


@pytest.mark.parametrize("text", [
    "3000", "上周五", "yes", "住院治疗，手术后出院", "I was in hospital for a week",
    "医生说算了还是住院观察吧，后来做了手术，住了两周才出院，一共花了一万多块钱，医保报销了一部分",
])
def test_answers_are_not_exits(text: str) -> None:
    assert not is_exit(text)
