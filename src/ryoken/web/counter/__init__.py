"""The counter: queue tickets, windows, grants bound to the applicant, prints and copies."""
