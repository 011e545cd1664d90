"""The pickup window: identify the holder, take the fee, issue the passport."""
