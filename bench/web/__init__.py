"""The HTTP load benchmark's Django settings and baseline pages (never in production)."""
