from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "ryoken.web.vault"
    label = "vault"
    verbose_name = "Vault"
