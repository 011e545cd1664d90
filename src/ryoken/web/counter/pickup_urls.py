"""URLs of the pickup and loss windows and of print/copy jobs, mounted at /pickup/.

No names in URLs: a grant id (the clerk's own open grant, else 404), an application's row
id within that grant, a vault subject id within that grant, or a print job id of one's own.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ryoken.web.counter.loss import views as views_loss
from ryoken.web.counter.pickup import views as views_pickup
from ryoken.web.counter.prints import views as views_prints

app_name = "pickup"

# (capability, url name, label) for the home page.
MENU = [
    ("counter.serve", "pickup:queue", _("交付・紛失届窓口")),
    ("counter.print", "pickup:prints", _("印刷・複写の記録")),
    ("counter.print", "pickup:copy", _("複写の申告")),
]

urlpatterns = [
    path("", views_pickup.queue_view, name="queue"),
    path("close/<str:grant_id>/", views_pickup.close_view, name="close"),
    path("photo/<str:grant_id>/<str:subject_id>/", views_pickup.photo_view, name="photo"),
    path("serve/<str:grant_id>/", views_pickup.serve_view, name="serve"),
    path("serve/<str:grant_id>/<int:app_id>/", views_pickup.application_view, name="application"),
    path("serve/<str:grant_id>/<int:app_id>/match/", views_pickup.match_view, name="match"),
    path("serve/<str:grant_id>/<int:app_id>/issue/", views_pickup.issue_view, name="issue"),
    path("loss/<str:grant_id>/", views_loss.loss_view, name="loss"),
    path("loss/<str:grant_id>/search/", views_loss.search_view, name="loss_search"),
    path("loss/<str:grant_id>/choose/", views_loss.choose_view, name="loss_choose"),
    path("loss/<str:grant_id>/file/", views_loss.file_view, name="loss_file"),
    path("prints/", views_prints.prints_view, name="prints"),
    path("prints/new/", views_prints.print_new_view, name="print_new"),
    path("prints/<str:job_id>/reprint/", views_prints.reprint_view, name="reprint"),
    path("copies/new/", views_prints.copy_view, name="copy"),
    path("copies/<str:job_id>/", views_prints.copy_done_view, name="copy_done"),
]
