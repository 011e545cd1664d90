"""Print and copy jobs: each a reason, a watermark id and a ledger event."""
