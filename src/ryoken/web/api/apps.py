from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ryoken.web.api"
    label = "api"
    verbose_name = "API"
