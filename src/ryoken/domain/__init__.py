"""The passport office's rules, pure Python: no Django, no database, no clock of its own."""
