"""PII analysis."""
