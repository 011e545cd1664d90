"""The Django project: settings, apps, templates and management commands."""
