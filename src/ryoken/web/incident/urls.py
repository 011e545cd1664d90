"""The privacy office's incident screens at /incident/."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ryoken.web.incident import views, views_whosaw

app_name = "incident"

MENU: list[tuple[str, str, str | Promise]] = [
    ("watch.read", "incident:list", _("漏えい等事案")),
    ("incident.manage", "incident:who_saw", _("閲覧記録の開示（本人向け）")),
]

urlpatterns: list[URLPattern] = [
    path("", views.incident_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:incident_id>/", views.detail, name="detail"),
    path("<int:incident_id>/facts/", views.facts, name="facts"),
    path("<int:incident_id>/hold/", views.hold, name="hold"),
    path("hold/<int:hold_id>/bundle/", views.bundle, name="bundle"),
    path("<int:incident_id>/export/<str:fmt>/", views.export, name="export"),
    path("<int:incident_id>/report/", views.report, name="report"),
    path("<int:incident_id>/report.json", views.report_json, name="report_json"),
    path("<int:incident_id>/notices/", views.notices, name="notices"),
    path("attribute/", views.attribute_view, name="attribute"),
    path("who-saw/", views_whosaw.who_saw, name="who_saw"),
    path("who-saw/answer.pdf", views_whosaw.who_saw_pdf, name="who_saw_pdf"),
    path("who-saw/proofs.json", views_whosaw.who_saw_proofs, name="who_saw_proofs"),
]
