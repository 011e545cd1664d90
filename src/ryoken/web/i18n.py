"""Staff screens in the staff member's language: Japanese first, English second.

Japanese is the msgid everywhere in the web layer (templates, forms, `messages`), so a
screen in Japanese needs no catalog at all and English comes from `locale/en`. The pure core
does not know Django: its errors carry `message` (English) and `message_ja`, and its labels
come in pairs (`label_ja`/`label_en`). These helpers pick the half for the active language.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import get_language, gettext, gettext_noop

from ryoken.domain.applications import STATE_LABELS_JA, ApplicationState, LossReportState
from ryoken.errors import RyokenError

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")


def is_japanese() -> bool:
    """Whether the active language is Japanese (the default when none is active)."""
    return (get_language() or "ja").startswith("ja")


def bilingual(ja: str, en: str) -> str:
    """One of a pair the core (or the database) keeps in both languages."""
    return ja if is_japanese() or not en else en


def staff_message(error: RyokenError) -> str:
    """What a refusal says on a staff screen.

    In Japanese, `message_ja` as written. Otherwise the catalog's English for it when the web
    layer marked it (`gettext_noop`), else the error's own English message: the core's
    Japanese messages are not in the web catalog, and its English is written for people.
    """
    text = error.message_ja
    if is_japanese():
        return text
    translated = gettext(text)
    if translated != text or not _JAPANESE.search(text):
        return translated
    return error.message[:1].upper() + error.message[1:]


def ja_date(d: date) -> str:
    """A date as Japanese documents write it: 2026年11月26日."""
    return f"{d.year}年{d.month}月{d.day}日"


def yen(amount: int, *, japanese: bool = False) -> str:
    """An amount of money as a clerk reads it: 16,300円, or ¥16,300 in English.

    The one money format: every fee on a screen, a print or an export goes through here (in
    templates as the `yen` filter of `{% load money %}`). `japanese` forces 16,300円 for a
    document that is Japanese whatever the clerk's language (the receipt, the pickup record).
    """
    digits = f"{amount:,}"
    if japanese or is_japanese():
        return f"{digits}円"
    return gettext("%(amount)s円") % {"amount": digits}


def state_label(state: str) -> str:
    """An application's state (the core's Japanese label) in the staff member's language."""
    try:
        label = STATE_LABELS_JA[ApplicationState(state)]
    except ValueError:
        try:
            label = STATE_LABELS_JA[LossReportState(state)]
        except ValueError:
            return state
    return gettext(label)


# The core's Japanese state labels, so that makemessages puts them in the catalog;
# tests/integration/web/test_i18n.py checks that every one of them is translated.
_CORE_LABELS = (
    gettext_noop("作成中"),
    gettext_noop("受理"),
    gettext_noop("審査中"),
    gettext_noop("発給決定"),
    gettext_noop("不発給決定"),
    gettext_noop("作製依頼済"),
    gettext_noop("作製済"),
    gettext_noop("交付待ち"),
    gettext_noop("交付済"),
    gettext_noop("取下げ"),
    gettext_noop("失効（未交付）"),
    gettext_noop("紛失届 届出"),
    gettext_noop("紛失届 受理（旅券失効）"),
)
