"""The `pii` command: `main` builds the parser, one module per sub-command imports its work lazily."""
