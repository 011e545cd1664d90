"""The privacy office at /watch/."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ryoken.web.watch import views, views_staff

app_name = "watch"

# (capability, url name, label) for the home page.
MENU: list[tuple[str, str, str | Promise]] = [
    ("watch.read", "watch:queue", _("事案一覧（個人情報保護）")),
    ("watch.read", "watch:staff", _("職員一覧")),
    ("watch.cases", "watch:canaries", _("カナリア登録簿")),
    ("watch.cases", "watch:watchlist", _("要注意リスト")),
    ("watch.read", "watch:fairness", _("職員グループ別の警告率")),
]

urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("run/", views.run_now, name="run"),
    path("case/<int:case_id>/", views.case_view, name="case"),
    path("case/<int:case_id>/triage/", views.triage_view, name="triage"),
    path("case/<int:case_id>/note/", views.note_view, name="note"),
    path("staff/", views_staff.directory, name="staff"),
    path("staff/<str:staff_id>/", views_staff.timeline, name="timeline"),
    path("staff/<str:staff_id>/timeline.csv", views_staff.timeline_csv, name="timeline_csv"),
    path("staff/<str:staff_id>/exposure/", views.exposure, name="exposure"),
    path("canaries/", views.canaries, name="canaries"),
    path("canaries/place/", views.canary_place, name="canary_place"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<int:entry_id>/remove/", views.watchlist_remove, name="watchlist_remove"),
    path("fairness/", views.fairness, name="fairness"),
]
