from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "ryoken.web.counter"
    label = "counter"
    verbose_name = "Counter"

    def ready(self) -> None:
        # The vault decides through the counter's grants: injected here, explicitly, so the
        # gateway never looks up a policy in the layers above it.
        from ryoken.web.counter.grants import GrantPolicy
        from ryoken.web.vault import gateway

        gateway.install_policy(GrantPolicy())
