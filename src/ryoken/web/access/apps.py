from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ryoken.web.access"
    label = "access"
    verbose_name = "Access"
