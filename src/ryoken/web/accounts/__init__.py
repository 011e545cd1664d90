"""Staff, roles, employers, contracts, qualifications, windows; login and access checks."""
