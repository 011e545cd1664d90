"""The loss window: find the holder of a lost passport and record the report."""
