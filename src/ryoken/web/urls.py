from django.urls import URLPattern, URLResolver, path

from ryoken.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", views.healthz, name="healthz"),
]
