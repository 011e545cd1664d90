"""/counter/: the kiosk, the queue screen and the intake screens of one ticket.

URLs carry ids (grant ids, application ids), never names or other personal data.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ryoken.web.counter.intake import views as views_intake
from ryoken.web.counter.queue import views as views_queue

app_name = "counter"

# (capability, url name, label) for the home page.
MENU = [
    ("counter.serve", "counter:queue", _("窓口受付（呼出）")),
]

_work = "work/<str:grant_id>/"
_app = _work + "app/<int:app_id>/"

urlpatterns = [
    path("kiosk/", views_queue.kiosk, name="kiosk"),
    path("kiosk/slip/", views_queue.kiosk_slip, name="kiosk_slip"),
    path("", views_queue.queue_view, name="queue"),
    path("window/", views_queue.choose_window, name="choose_window"),
    path("call/", views_queue.call_next, name="call_next"),
    path(_work + "close/", views_queue.close, name="close"),
    path(_work, views_intake.work, name="work"),
    path(_work + "new/", views_intake.intake_new, name="intake_new"),
    path(_app + "romaji/", views_intake.romaji, name="romaji"),
    path(_app + "scans/", views_intake.scans, name="scans"),
    path(_app, views_intake.review, name="review"),
    path(_app + "reveal/", views_intake.reveal, name="reveal"),
    path(_app + "accept/", views_intake.accept, name="accept"),
    path(_app + "receipt/", views_intake.receipt, name="receipt"),
]
