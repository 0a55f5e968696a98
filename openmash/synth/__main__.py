"""``python -m openmash.synth --seed 42 --households 150 --out DIR``: write a synthetic area as CSV.

With ``--extracts`` it also writes each agency's synthetic extract (identities and
events, with the true person ids apart in ``truth/``) into ``DIR/extracts``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from openmash.synth._generator import generate_area
from openmash.synth.area import DEFAULT_REFERENCE_DATE
from openmash.synth.export import area_to_json, write_area
from openmash.synth.extracts import generate_extracts, write_extracts


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m openmash.synth",
        description="Generate a fictional local area (people, households, addresses, referrals) as CSVs.",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--households", type=_positive, default=150, help="number of households (default: 150)"
    )
    parser.add_argument(
        "--referrals", type=_non_negative, default=200, help="number of referrals (default: 200)"
    )
    parser.add_argument(
        "--reference-date",
        type=date.fromisoformat,
        default=DEFAULT_REFERENCE_DATE,
        help=f"the 'today' of the area, YYYY-MM-DD (default: {DEFAULT_REFERENCE_DATE.isoformat()})",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write the CSV files into")
    parser.add_argument("--json", action="store_true", help="also write area.json")
    parser.add_argument(
        "--extracts",
        action="store_true",
        help="also write synthetic agency extracts (identities, events, truth) into OUT/extracts",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    area = generate_area(
        args.seed, households=args.households, reference_date=args.reference_date, referrals=args.referrals
    )
    written = write_area(area, args.out)
    if args.json:
        (args.out / "area.json").write_text(area_to_json(area) + "\n", encoding="utf-8")
    extract_files = 0
    extract_counts: dict[str, dict[str, int]] = {}
    if args.extracts:
        extracts = generate_extracts(area, args.seed)
        extract_files = len(write_extracts(extracts, args.out / "extracts"))
        extract_counts = {str(agency): numbers for agency, numbers in extracts.counts().items()}
    elapsed = time.perf_counter() - started
    print(f"Synthetic area: seed {args.seed}, reference date {area.reference_date.isoformat()}")
    for name, count in area.counts().items():
        print(f"  {name:<14}{count:>8}")
    if extract_counts:
        print(f"Agency extracts ({args.out / 'extracts'}):")
        print(f"  {'agency':<22}{'records':>8}{'people':>8}{'events':>8}")
        for agency, numbers in extract_counts.items():
            print(f"  {agency:<22}{numbers['records']:>8}{numbers['people']:>8}{numbers['events']:>8}")
    print(f"Wrote {len(written) + int(args.json) + extract_files} files to {args.out} in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
