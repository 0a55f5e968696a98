"""Command line for the linkage engine, usable without the web app.

    python -m openmash.linkage link LEFT RIGHT --out links.csv [--threshold 0.5] [--truth TRUTH.csv]
    python -m openmash.linkage search INDEX QUERIES --out matches.csv [--top 5] [--threshold 0.5]
    python -m openmash.linkage index INDEX --out DIR

``index`` builds the search index of a file once and writes it to the folder DIR as memory-mapped
arrays (a new index folder inside DIR, then DIR's CURRENT pointer is switched to it); ``search``
takes such a folder as INDEX as well as a file, and then opens it in milliseconds instead of
training and building. ``search`` prints the p50/p95 latency per query and the peak memory.

Inputs are CSV or Parquet with the standard columns (record_id, given_name, surname,
date_of_birth, sex, postcode, address, nhs_number, other_id); ``--map src=std`` renames a column.
Unless ``--model`` gives a stored model, one is trained on the input (``link``: the two files
together; ``search``: the index), on a random sample of ``--training-sample`` records of each
(default: OPENMASH_TRAINING_SAMPLE from the environment, else 100,000, as when a data source is
loaded; 0 trains on every record). Progress on the long steps, then the elapsed time and peak
memory, go to standard error (``--quiet`` hides them). Bad input exits with status 2 and a
one-line message naming the file, row and column.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openmash.linkage.engine import Backend, FieldEvidence, LinkageModel, LoadedRecords, SearchIndex

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
        p.add_argument(
            "--training-sample",
            type=int,
            default=None,
            metavar="N",
            help="train on a random sample of N records of each input (default OPENMASH_TRAINING_SAMPLE "
            "or 100000; 0 for every record)",
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

    index = sub.add_parser(
        "index", help="build the search index of a file into a folder, opened memory-mapped by search"
    )
    index.add_argument("index", type=Path)
    index.add_argument("--out", required=True, type=Path, help="folder of indexes (created if need be)")
    index.add_argument(
        "--map", action="append", default=[], metavar="SRC=STD", help="rename column SRC to standard STD"
    )
    index.add_argument("--model", type=Path, help="use this stored model (JSON) instead of training one")
    index.add_argument("--save-model", type=Path, help="write the model used to this JSON file")
    index.add_argument("--backend", default=None, help="Splink backend: duckdb (default) or spark")
    index.add_argument(
        "--training-sample",
        type=int,
        default=None,
        metavar="N",
        help="train on a random sample of N records (default OPENMASH_TRAINING_SAMPLE or 100000; 0 for all)",
    )
    index.add_argument("--quiet", action="store_true", help="print nothing but errors")
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


def training_sample(flag: int | None) -> int | None:
    """Records to train on (None: every record): the flag, else OPENMASH_TRAINING_SAMPLE, else the
    default a data source's load uses."""
    from openmash.linkage.engine.model import TRAINING_SAMPLE

    if flag is None:
        raw = os.environ.get("OPENMASH_TRAINING_SAMPLE", "").strip()
        try:
            flag = int(raw) if raw else TRAINING_SAMPLE
        except ValueError:
            raise UsageError(f"OPENMASH_TRAINING_SAMPLE must be a whole number, not {raw!r}") from None
    if flag < 0:
        raise UsageError("--training-sample must be 0 (every record) or more")
    return flag or None


def _model(
    args: argparse.Namespace,
    train: Callable[[int | None], LinkageModel],
    sizes: Sequence[int],
    say: Callable[[str], None],
) -> LinkageModel:
    from openmash.linkage.engine import LinkageModel

    if args.model:
        try:
            return LinkageModel.from_json(args.model.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise UsageError(f"{args.model}: cannot read the model ({exc})") from None
    sample = training_sample(args.training_sample)
    for size in sizes:
        if sample is not None and size > sample:
            say(f"training the model on a random sample of {sample:,} of the {size:,} records")
        else:
            say(f"training the model on all {size:,} records")
    started = time.perf_counter()
    model = train(sample)
    say(f"trained on {model.training.get('trained_on', 0):,} records ({time.perf_counter() - started:.1f} s)")
    return model


def peak_memory_mb() -> float:
    """This process's peak resident memory (ru_maxrss: kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class _Progress:
    """'searched 120,000 of 1,000,000 queries' to standard error, at most every few seconds."""

    def __init__(self, say: Callable[[str], None], total: int, every: float = 5.0) -> None:
        self.say, self.total, self.every = say, total, every
        self.last = time.perf_counter()

    def __call__(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.last >= self.every and done < self.total:
            self.last = now
            self.say(f"searched {done:,} of {self.total:,} queries")


class _Steps:
    """A long build's steps to standard error: each kind of step at most every few seconds."""

    def __init__(self, say: Callable[[str], None], every: float = 5.0) -> None:
        self.say, self.every = say, every
        self.last: dict[str, float] = {}

    def __call__(self, message: str) -> None:
        kind = message.split(" ", 1)[0]
        now = time.perf_counter()
        if now - self.last.get(kind, -self.every) >= self.every:
            self.last[kind] = now
            self.say(message)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _index_from_file(
    args: argparse.Namespace,
    mapping: dict[str, str],
    backend: Backend | None,
    say: Callable[[str], None],
    started: float,
) -> tuple[SearchIndex, LoadedRecords]:
    """Read the index file and the queries, train (or read) the model, build the index in memory."""
    from openmash.linkage.engine import LinkageModel, SearchIndex, read_records

    index_records = read_records(args.index, mapping=mapping)
    queries = read_records(args.queries, mapping=mapping)
    say(
        f"read {len(index_records.features.frame):,} index records and "
        f"{len(queries.features.frame):,} queries ({time.perf_counter() - started:.1f} s)"
    )
    for loaded in (index_records, queries):
        for line in loaded.warnings:
            say(f"{loaded.path}: {line}")
    model = _model(
        args,
        lambda sample: LinkageModel.default().train(
            index_records.features, backend=backend, max_records=sample
        ),
        [len(index_records.features.frame)],
        say,
    )
    say(f"building the search index of {len(index_records.features.frame):,} records")
    return SearchIndex.build(index_records.features, model), queries


def _run(args: argparse.Namespace) -> int:
    from openmash.linkage.engine import backend_from_config
    from openmash.linkage.engine.inputs import parse_mapping

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        mapping = parse_mapping(args.map)
        backend = backend_from_config(args.backend) if args.backend else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        return _command(args, mapping, backend, say)
    finally:
        if backend is not None:
            backend.close()


def _command(
    args: argparse.Namespace, mapping: dict[str, str], backend: Backend | None, say: Callable[[str], None]
) -> int:
    from openmash.linkage.engine import LinkageModel, Linker, read_records
    from openmash.linkage.engine.features import feature_rows
    from openmash.linkage.engine.inputs import Extract, trained_on
    from openmash.linkage.engine.search import Searchable
    from openmash.linkage.engine.stored import IndexFormatError, is_index, open_index, publish

    started = time.perf_counter()

    if args.command == "link":
        truth = _read_truth(args.truth) if args.truth else None
        left = read_records(args.left, mapping=mapping)
        right = read_records(args.right, mapping=mapping)
        say(f"read {len(left.features.frame):,} and {len(right.features.frame):,} records")
        for loaded in (left, right):
            for line in loaded.warnings:
                say(f"{loaded.path}: {line}")
        model = _model(
            args,
            lambda sample: LinkageModel.default().train(
                left.features, other=right.features, backend=backend, max_records=sample
            ),
            [len(left.features.frame), len(right.features.frame)],
            say,
        )
        say("linking")
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
    elif args.command == "index":
        extract = Extract(args.index, mapping=mapping)
        say(f"checked {len(extract):,} records ({time.perf_counter() - started:.1f} s)")

        def train(sample: int | None) -> LinkageModel:
            return trained_on(extract, sample, backend=backend)

        model = _model(args, train, [len(extract)], say)
        building = time.perf_counter()
        folder = publish(extract, model, args.out, progress=_Steps(say))
        for line in open_index(folder).warnings:
            say(f"{extract.path}: {line}")
        say(f"index of {len(extract):,} records written to {folder} ({time.perf_counter() - building:.1f} s)")
    else:
        if is_index(args.index):
            if args.model:
                raise UsageError(f"{args.index} is an index folder: it carries its own model")
            opening = time.perf_counter()
            try:
                searched: Searchable = open_index(args.index)
            except (IndexFormatError, OSError, ValueError) as exc:
                raise UsageError(f"{args.index}: cannot open the index ({exc})") from None
            queries = read_records(args.queries, mapping=mapping)
            say(
                f"opened the index of {len(searched):,} records in"
                f" {1000 * (time.perf_counter() - opening):.0f} ms;"
                f" read {len(queries.features.frame):,} queries"
            )
            for line in queries.warnings:
                say(f"{queries.path}: {line}")
        else:
            searched, queries = _index_from_file(args, mapping, backend, say, started)
        rows = feature_rows(queries.features.frame)
        progress = _Progress(say, len(rows))
        written = 0
        latencies: list[float] = []
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
            for done, row in enumerate(rows):
                progress(done)
                asked = time.perf_counter()
                result = searched.search_features(row, top=args.top, threshold=args.threshold)
                latencies.append(time.perf_counter() - asked)
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
        if latencies:
            say(
                f"search latency per query: p50 {1000 * _percentile(latencies, 0.5):.2f} ms,"
                f" p95 {1000 * _percentile(latencies, 0.95):.2f} ms"
            )
        model = searched.model
    if args.save_model:
        args.save_model.write_text(model.to_json(), encoding="utf-8")
    say(f"elapsed {time.perf_counter() - started:.1f} s, peak memory {peak_memory_mb():,.0f} MB")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from openmash.linkage.engine.inputs import InputError

    args = _parser().parse_args(argv)
    try:
        if getattr(args, "top", 1) < 1:
            raise UsageError("--top must be at least 1")
        if not 0.0 <= getattr(args, "threshold", 0.5) <= 1.0:
            raise UsageError("--threshold must be between 0 and 1")
        if args.model is None:
            training_sample(args.training_sample)  # a bad value is reported before any reading
        return _run(args)
    except (InputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
