"""The privacy office: cases from detection, triage, canaries, watchlist and fairness.

`service.run_detection(now)` scores a rolling window of the ledger with `ryoken.detect` and
keeps one case per staff member's alert (`models.Case`); `service.run_quick_checks(now)`
looks only at new ledger entries for canary touches and access outside any task, so those
reach the privacy officer within a minute (`ryoken watch`). Triage (`triage.py`) moves a case
open → investigating → dismissed (with a reason) or confirmed (an incident), each step in
the ledger. Screens are in views.py; nothing here shows an applicant's personal data: cases
name staff ids and pseudonymous subject ids only.
"""
