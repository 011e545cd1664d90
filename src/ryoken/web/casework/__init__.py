"""Applications through their life: intake, review, production, pickup, lapse, loss reports."""
