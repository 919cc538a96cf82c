"""Memory a Monte Carlo run would need, checked before it starts.

`--draws 100000000` would ask for hundreds of GiB and end in a MemoryError (or the kernel's OOM
killer) minutes later; the projection keeps about `ARRAYS_PER_DRAW` float arrays of provinces x
years per draw (measured: ~8 KB per draw for 34 provinces x 5 years), so the need is known up front.
"""
from __future__ import annotations

import os

from pii_analysis.data.errors import PiiInputError

ARRAYS_PER_DRAW = 8          # arrays of (provinces x years) float64 kept per draw, with headroom
SHARE_OF_MEMORY = 0.5        # a run may use at most this share of the memory available


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def draws_bytes(n_draws: int, n_provinces: int, n_years: int) -> int:
    return int(n_draws) * n_provinces * max(n_years, 1) * 8 * ARRAYS_PER_DRAW


def check_draws_memory(n_draws: int, n_provinces: int, n_years: int, *, name: str = "n_draws") -> int:
    """`n_draws` if the draws fit in the memory allowed, else an error saying how many would."""
    need = draws_bytes(n_draws, n_provinces, n_years)
    allowed = int(available_memory() * SHARE_OF_MEMORY)
    if need > allowed:
        fit = max(1, allowed // max(draws_bytes(1, n_provinces, n_years), 1))
        raise PiiInputError(f"{n_draws} draws would need about {need / 2**30:.1f} GiB of memory, more than the "
                            f"{allowed / 2**30:.1f} GiB this run may use; use at most {fit} draws", column=name)
    return n_draws
