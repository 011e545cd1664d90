from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "ryoken.web.applications"
    label = "applications"
    verbose_name = "Applications"
