"""Reads that more than one caller needs. Everything that lists or fetches goes through the
visibility functions in `pipeline.selectors.visibility`."""
