from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ryoken.web.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        # Sign a checkpoint when due after each durable append; registered here so that the
        # store (below) never imports the checkpoints (above it).
        from ryoken.web.ledger import checkpoints, signing_checks, store  # noqa: F401 - checks

        store.after_durable_append(checkpoints.maybe_checkpoint)
