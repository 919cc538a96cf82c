"""Default settings of the report run, in one light module so `pii report --help` shows them cheaply."""
from __future__ import annotations

TIMEOUT = 600                 # seconds per notebook cell
DEFAULT_OUT = "reports"       # output directory, relative to the working directory
DEFAULT_JOBS = 1
