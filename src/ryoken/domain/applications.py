"""Applications: kinds, channels and the state machine (旅券法; see FACTS.md)."""

from __future__ import annotations

from enum import StrEnum


class ApplicationKind(StrEnum):
    NEW = "new"  # 新規
    RENEWAL = "renewal"  # 切替
    RECORD_CHANGE = "record_change"  # 記載事項変更 (new 5/10-year passport)
    RECORD_CHANGE_SAME_EXPIRY = "record_change_same_expiry"  # 残存有効期間同一旅券
    LOSS_REPORT = "loss_report"  # 紛失届 / 焼失届


class Channel(StrEnum):
    PAPER = "paper"
    ONLINE = "online"  # マイナポータル
