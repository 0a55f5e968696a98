"""Command line for the linkage engine, usable without the web app.

    python -m openmash.linkage link LEFT RIGHT --out links.csv [--threshold 0.5] [--truth TRUTH.csv]
    python -m openmash.linkage search INDEX QUERIES --out matches.csv [--top 5] [--threshold 0.5]

Inputs are CSV or Parquet with the standard columns (record_id, given_name, surname,
date_of_birth, sex, postcode, address, nhs_number, other_id); ``--map src=std`` renames a column.
Unless ``--model`` gives a stored model, one is trained on the input (``link``: the two files
together; ``search``: the index). Bad input exits with status 2 and a one-line message naming the
file, row and column.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openmash.linkage.engine import FieldEvidence, LinkageModel

EXIT_BAD_INPUT = 2


class UsageError(ValueError):
    """A bad option value or model file: reported in one line with exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openmash.linkage", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True, type=Path, help="CSV file to write")
        p.add_argument("--threshold", type=float, default=0.5, help="minimum match probability (default 0.5)")
        p.add_argument(
            "--map", action="append", default=[], metavar="SRC=STD", help="rename column SRC to standard STD"
        )
        p.add_argument("--model", type=Path, help="use this stored model (JSON) instead of training one")
        p.add_argument("--save-model", type=Path, help="write the model used to this JSON file")
        p.add_argument("--backend", default=None, help="Splink backend: duckdb (default) or spark")
        p.add_argument(
            "--evidence", action="store_true", help="add an evidence column (level and weight per field)"
        )
        p.add_argument("--quiet", action="store_true", help="print nothing but errors")

    link = sub.add_parser("link", help="link two files; write left_id,right_id,match_probability")
    link.add_argument("left", type=Path)
    link.add_argument("right", type=Path)
    link.add_argument(
        "--truth", type=Path, help="CSV of true pairs (left_id,right_id): print precision, recall, F1"
    )
    common(link)

    search = sub.add_parser(
        "search", help="search an index for each query; write query_id,record_id,match_probability,rank"
    )
    search.add_argument("index", type=Path)
    search.add_argument("queries", type=Path)
    search.add_argument("--top", type=int, default=5, help="candidates per query (default 5)")
    common(search)
    return parser


def _evidence_text(evidence: Sequence[FieldEvidence]) -> str:
    return "; ".join(f"{e.comparison}: {e.level} ({e.match_weight:+.2f})" for e in evidence)


def _read_truth(path: Path) -> set[tuple[str, str]]:
    from openmash.linkage.engine.inputs import InputError

    if not path.is_file():
        raise InputError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "is not valid UTF-8 text") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError(path, "is empty")
    header = [h.strip().lower() for h in rows[0]]
    for column in ("left_id", "right_id"):
        if column not in header:
            raise InputError(path, f"has no {column} column", column=column)
    li, ri = header.index("left_id"), header.index("right_id")
    pairs = set()
    for number, row in enumerate(rows[1:], start=1):
        if len(row) <= max(li, ri):
            raise InputError(path, "has too few fields", row=number)
        pairs.add((row[li].strip(), row[ri].strip()))
    return pairs


def _model(args: argparse.Namespace, train: Callable[[], LinkageModel]) -> LinkageModel:
    from openmash.linkage.engine import LinkageModel

    if args.model:
        try:
            return LinkageModel.from_json(args.model.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise UsageError(f"{args.model}: cannot read the model ({exc})") from None
    return train()


def _run(args: argparse.Namespace) -> int:
    from openmash.linkage.engine import LinkageModel, Linker, SearchIndex, backend_from_config, read_records
    from openmash.linkage.engine.features import feature_rows
    from openmash.linkage.engine.inputs import parse_mapping

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        mapping = parse_mapping(args.map)
        backend = backend_from_config(args.backend) if args.backend else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    started = time.perf_counter()

    if args.command == "link":
        truth = _read_truth(args.truth) if args.truth else None
        left = read_records(args.left, mapping=mapping)
        right = read_records(args.right, mapping=mapping)
        for loaded in (left, right):
            for line in loaded.warnings:
                say(f"{loaded.path}: {line}")
        model = _model(
            args, lambda: LinkageModel.default().train(left.features, other=right.features, backend=backend)
        )
        links = Linker(model, backend=backend).link(left.features, right.features, threshold=args.threshold)
        with args.out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(
                ["left_id", "right_id", "match_probability", *(["evidence"] if args.evidence else [])]
            )
            for link in links:
                extra = [_evidence_text(link.evidence)] if args.evidence else []
                writer.writerow([link.left_id, link.right_id, f"{link.match_probability:.6f}", *extra])
        say(
            f"{len(links)} pairs at or above {args.threshold} written to {args.out}"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        if truth is not None:
            predicted = {(link.left_id, link.right_id) for link in links}
            tp = len(predicted & truth)
            precision = tp / len(predicted) if predicted else 0.0
            recall = tp / len(truth) if truth else 0.0
            f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
            print(
                f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}"
                f"  ({tp} of {len(truth)} true pairs found)"
            )
    else:
        index_records = read_records(args.index, mapping=mapping)
        queries = read_records(args.queries, mapping=mapping)
        for loaded in (index_records, queries):
            for line in loaded.warnings:
                say(f"{loaded.path}: {line}")
        model = _model(args, lambda: LinkageModel.default().train(index_records.features, backend=backend))
        index = SearchIndex.build(index_records.features, model)
        rows = feature_rows(queries.features.frame)
        written = 0
        with args.out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(
                [
                    "query_id",
                    "record_id",
                    "match_probability",
                    "rank",
                    *(["evidence"] if args.evidence else []),
                ]
            )
            for row in rows:
                result = index.search_features(row, top=args.top, threshold=args.threshold)
                for c in result.candidates:
                    extra = [_evidence_text(c.evidence)] if args.evidence else []
                    writer.writerow(
                        [result.query_id, c.record_id, f"{c.match_probability:.6f}", c.rank, *extra]
                    )
                    written += 1
        say(
            f"{written} candidates for {len(rows)} queries written to {args.out}"
            f" ({time.perf_counter() - started:.1f} s)"
        )
        model = index.model
    if args.save_model:
        args.save_model.write_text(model.to_json(), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from openmash.linkage.engine.inputs import InputError

    args = _parser().parse_args(argv)
    try:
        if getattr(args, "top", 1) < 1:
            raise UsageError("--top must be at least 1")
        if not 0.0 <= args.threshold <= 1.0:
            raise UsageError("--threshold must be between 0 and 1")
        return _run(args)
    except (InputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
