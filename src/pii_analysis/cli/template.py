"""`pii template profile`: an Excel file with the framework's rows for a province to fill in its profile."""
from __future__ import annotations

import argparse

from pii_analysis.analysis.defaults import DEFAULT_PROVINCE


def register(subparsers) -> None:
    p = subparsers.add_parser("template", help="write a blank input file to fill in (profile)")
    p.add_argument("kind", choices=["profile"], help="profile: one province's values with the national min and max")
    p.add_argument("--province", default=DEFAULT_PROVINCE, help=f"province (default {DEFAULT_PROVINCE})")
    p.add_argument("--year", type=int, default=2025, help="PII year of the profile (default 2025)")
    p.add_argument("--out", default=None, help="file to write (.xlsx or .csv; default pii_profile_<year>_<province>.xlsx)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from pii_analysis.analysis.profile_level import published_for
    from pii_analysis.data.errors import PiiInputError
    from pii_analysis.data.loading import default_resolver, load_published
    from pii_analysis.data.profile import template
    from pii_analysis.data.provinces import name_key
    from pii_analysis.index.framework import default_framework

    resolver = default_resolver()
    province = resolver.resolve(args.province, map_old=True, column="province")
    note = resolver.merger_note(args.province)
    fw = default_framework()
    frame = template(fw.nodes, province, args.year, published_for(province, args.year, load_published()))
    out = Path(args.out or f"pii_profile_{args.year}_{re.sub(r'[^a-z0-9]+', '_', name_key(province))}.xlsx")
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise PiiInputError("the template is written as .xlsx or .csv", file=out)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_excel(out, index=False, sheet_name="profile")
    if note:
        print(f"note: {note}")
    print(f"{out}: {len(frame)} rows ({len(fw.indicators)} indicators) for {province} {args.year}; fill 'value', "
          "'national_min' and 'national_max' from the profile page, then run: pii score --data " + str(out))
    return 0
