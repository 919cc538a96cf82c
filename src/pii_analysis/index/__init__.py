"""The index itself: framework, method, scoring engine, score tables and the loaded context.

Imports only `pii_analysis.data`."""
