"""URLs of the inquiry desk and of a supervisor's assist, mounted at /desk/.

No names or numbers in URLs: a grant id (one's own open inquiry task, or the colleague's task
one assists at, else 404). Persons found by a search stay in the session, by index.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ryoken.web.counter.desk import views_assist, views_inquiry

app_name = "desk"

# (capability, url name, label) for the home page.
MENU = [
    ("desk.inquiry", "desk:inquiry", _("電話照会・状況確認")),
    ("counter.assist", "desk:assist", _("窓口の応援")),
]

_inq = "inquiry/<str:grant_id>/"
_as = "assist/<str:grant_id>/"

urlpatterns = [
    path("inquiry/", views_inquiry.desk, name="inquiry"),
    path("inquiry/open/", views_inquiry.open_view, name="inquiry_open"),
    path(_inq, views_inquiry.task, name="inquiry_task"),
    path(_inq + "search/", views_inquiry.search_view, name="inquiry_search"),
    path(_inq + "choose/", views_inquiry.choose_view, name="inquiry_choose"),
    path(_inq + "close/", views_inquiry.close_view, name="inquiry_close"),
    path("assist/", views_assist.board, name="assist"),
    path(_as + "join/", views_assist.join_view, name="assist_join"),
    path(_as, views_assist.screen, name="assist_screen"),
    path(_as + "leave/", views_assist.leave_view, name="assist_leave"),
]
