from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "ryoken.web.watch"
    label = "watch"
    verbose_name = "Privacy office"
