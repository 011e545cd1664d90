from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ryoken.web.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from ryoken.web.ledger import signing_checks  # noqa: F401 - registers the checks
