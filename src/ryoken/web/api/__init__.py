"""The JSON API for machines: the kiosk, copier/MFP job logs, door badges, the bureau.

Devices authenticate with bearer tokens (`auth.py`); staff never use this API with their
session. Routers: `kiosk.py`, `copier.py`, `badges.py`, and `production.py` when present;
the NinjaAPI instance and the error shapes are in `urls.py`. See docs/api.md.
"""
