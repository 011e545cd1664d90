from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "ryoken.web.vault"
    label = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from ryoken.web import checks  # noqa: F401 - registers ryoken's system checks
