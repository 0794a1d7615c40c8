"""Message crypto against Tencent's published WXBizMsgCrypt sample, and its failure modes."""

from __future__ import annotations

import pytest

from bot.channels.wechat.crypto import (
    MessageKey,
    SignatureError,
    check_signature,
    decrypt_any,
    signature,
)
from bot.channels.wechat.xmlmsg import parse_xml

# Tencent's sample (WXBizMsgCrypt, Python): token, key, appid, timestamp, nonce, signature
TOKEN = "spamtest"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"
TIMESTAMP = "1409735669"
NONCE = "1320562132"
MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8P"
    "GHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h"
    "6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


def test_tencent_sample_signature_matches() -> None:
    assert signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT) == MSG_SIGNATURE
    check_signature(MSG_SIGNATURE, TOKEN, TIMESTAMP, NONCE, ENCRYPT)


def test_tencent_sample_decrypts_to_the_text_message() -> None:
    fields = parse_xml(MessageKey.from_encoding_key(KEY, APP_ID).decrypt(ENCRYPT))
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert fields["ToUserName"] == "gh_10f6c3c3ac5a"
    assert fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"


def test_a_tampered_signature_is_refused() -> None:
    with pytest.raises(SignatureError):
        check_signature(MSG_SIGNATURE, TOKEN, TIMESTAMP, "1320562133", ENCRYPT)


def test_the_same_ciphertext_for_another_app_id_is_refused() -> None:
    with pytest.raises(SignatureError, match="AppId"):
        MessageKey.from_encoding_key(KEY, "wx0000000000000000").decrypt(ENCRYPT)


def test_encrypt_round_trips_chinese_and_pads_to_32_bytes() -> None:
    key = MessageKey.from_encoding_key(KEY, APP_ID)
    sealed = key.encrypt("<xml><Content><![CDATA[京卡优惠]]></Content></xml>")
    assert len(__import__("base64").b64decode(sealed)) % 32 == 0
    assert "京卡优惠" in key.decrypt(sealed)


def test_the_previous_key_still_opens_messages_while_staff_rotate_it() -> None:
    new = MessageKey.from_encoding_key("B" * 43, APP_ID)
    old = MessageKey.from_encoding_key(KEY, APP_ID)
    text, used = decrypt_any((new, old), ENCRYPT)
    assert used is old and "abcdteT" in text
    with pytest.raises(SignatureError):
        decrypt_any((new,), ENCRYPT)


@pytest.mark.parametrize("garbage", ["not base64!", "", "QUJD", "A" * 43 + "="])
def test_garbage_ciphertext_is_refused_not_crashing(garbage: str) -> None:
    with pytest.raises(SignatureError):
        MessageKey.from_encoding_key(KEY, APP_ID).decrypt(garbage)
