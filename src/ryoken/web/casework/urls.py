"""The back office at /casework/: review, QA, break-glass and production."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ryoken.web.casework import views_breakglass, views_production, views_review

app_name = "casework"

# (capability, url name, label) for the home page.
MENU: list[tuple[str, str, str | Promise]] = [
    ("review.assign", "casework:assign", _("審査の割当")),
    ("review.work", "casework:queue", _("審査")),
    ("qa.work", "casework:qa", _("品質確認（抽出）")),
    ("production.order", "casework:production", _("旅券作製の発注")),
    ("breakglass.open", "casework:breakglass_open", _("緊急アクセス")),
    ("breakglass.review", "casework:breakglass_queue", _("緊急アクセスの確認")),
]

urlpatterns: list[URLPattern] = [
    path("review/assign/", views_review.assign, name="assign"),
    path("review/", views_review.queue, name="queue"),
    path("review/<int:review_id>/", views_review.case, name="case"),
    path("review/<int:review_id>/release/", views_review.release, name="release"),
    path("qa/", views_review.qa_list, name="qa"),
    path("qa/<int:review_id>/", views_review.qa_case, name="qa_case"),
    path("breakglass/", views_breakglass.open_view, name="breakglass_open"),
    path("breakglass/reviews/", views_breakglass.review_queue, name="breakglass_queue"),
    path("breakglass/reviews/<str:grant_id>/", views_breakglass.review, name="breakglass_review"),
    path("breakglass/cosign/<str:grant_id>/", views_breakglass.cosign, name="breakglass_cosign"),
    path("breakglass/<str:grant_id>/", views_breakglass.use, name="breakglass_use"),
    path("breakglass/<str:grant_id>/close/", views_breakglass.close, name="breakglass_close"),
    path(
        "breakglass/<str:grant_id>/countersign/",
        views_breakglass.countersign,
        name="breakglass_countersign",
    ),
    path("production/", views_production.index, name="production"),
    path("production/order/", views_production.order, name="production_order"),
    path("production/<str:batch_id>/", views_production.batch_view, name="production_batch"),
    path(
        "production/<str:batch_id>/order.json",
        views_production.order_file,
        name="production_order_file",
    ),
]
