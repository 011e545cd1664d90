from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "ryoken.web.counter"
    label = "counter"
    verbose_name = "Counter"
