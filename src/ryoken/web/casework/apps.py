from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "ryoken.web.casework"
    label = "casework"
    verbose_name = "Casework"
