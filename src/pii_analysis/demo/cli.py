"""`python -m pii_analysis.demo [--write]`: generate, check every published figure, write data/raw/demo/."""
from __future__ import annotations

import argparse
from pathlib import Path


from pii_analysis.data import paths
from pii_analysis.demo.figures import check_figures
from pii_analysis.demo.fitting import FigureConflict
from pii_analysis.demo.generate import DemoPanel, generate
from pii_analysis.demo.settings import DEFAULT_SEED


def write(demo: DemoPanel, out_dir: Path | None = None) -> list[Path]:
    """Write the panel and its 2025 anchor table to data/raw/demo/."""
    out_dir = out_dir or paths.raw_dir() / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    panel_path = out_dir / "pii_demo_panel.csv"
    anchors_path = out_dir / "pii_demo_anchors_2025.csv"
    demo.panel.to_csv(panel_path, index=False)
    demo.anchors.to_csv(anchors_path, index=False)
    return [panel_path, anchors_path]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--write", action="store_true", help="write data/raw/demo/")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--published", type=Path, default=None,
                        help="published-results file (default data/raw/pii_published_results.csv)")
    args = parser.parse_args(argv)
    try:
        demo = generate(args.seed, published=args.published)
    except FigureConflict as err:
        raise SystemExit(f"some published figures cannot be met together; nothing written: {err}") from None
    check = check_figures(demo.panel, published=args.published)
    used, bad = check[check["used"]], check[check["used"] & ~check["ok"].fillna(False).astype(bool)]
    print(f"published figures honoured: {int(used['ok'].sum())} of {len(used)} used; "
          f"{int((~check['used']).sum())} not used (listed with the reason)")
    for _, r in check[~check["used"]].iterrows():
        print(f"  not used: {r['year']} {r['province']} {r['measure']} = {r['value']:g}: {r['reason']}")
    for _, r in bad.iterrows():
        print(f"  NOT MET: {r['year']} {r['province']} {r['measure']} = {r['value']:g} (pipeline: {r['measured']:.4f})")
    if len(bad) and args.write:
        raise SystemExit("some published figures cannot be met together; nothing written")
    if args.write:
        for p in write(demo, args.out):
            print(p)
    else:
        print(demo.anchors.to_string())
