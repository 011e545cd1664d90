from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ryoken.web.ledger"
    label = "ledger"
    verbose_name = "Ledger"
