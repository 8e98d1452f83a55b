"""Reads of the metrics app: scopes, the report of docs/metrics.md, stale deals, dashboards."""
