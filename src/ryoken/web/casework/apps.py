from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "ryoken.web.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from ryoken.web.casework import checks  # noqa: F401 - registers the policy check
