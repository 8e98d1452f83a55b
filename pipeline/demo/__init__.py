"""Demo data, in steps by domain (see `seed_demo`)."""
