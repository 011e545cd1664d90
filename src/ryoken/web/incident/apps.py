from django.apps import AppConfig


class IncidentConfig(AppConfig):
    name = "ryoken.web.incident"
    label = "incident"
    verbose_name = "Incidents"
