from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "ryoken.web.watch"
    label = "watch"
    verbose_name = "Privacy office"

    def ready(self) -> None:
        # Lower apps raise immediate alerts through the ledger app's hook (layers).
        from ryoken.web.ledger import alerting
        from ryoken.web.watch import alerts

        alerting.set_sink(alerts.raise_alert)
