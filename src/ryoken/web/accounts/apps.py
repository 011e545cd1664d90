from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ryoken.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"
