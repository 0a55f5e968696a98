"""Checkpoints of the audit chain kept outside the database (ADR 0017).

A checkpoint records the newest event's sequence number and hash at a moment, and the first keyed
event's sequence number. Checkpoints are appended, one JSON object a line, to ``checkpoints.jsonl`` in
``OPENMASH_AUDIT_ANCHOR_DIR``, and each carries an HMAC-SHA256 with the audit key: someone who can
edit the file but does not hold the key cannot add or change one without it showing. Someone who can
change the database cannot change the file, so events removed or rewritten below a checkpoint show.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FILE_NAME = "checkpoints.jsonl"
MAC_CONTEXT = "openmash-audit-checkpoint-v1\n"  # so that no event's MAC can pass as a checkpoint's


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: int
    hash: str
    at: datetime
    keyed_from: int | None  # the first event hashed with the key, when there is one
    # (chain, sequence, hash) of each chain's newest event, when the trail has more than one chain
    heads: tuple[tuple[int, int, str], ...] = ()

    def fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "sequence": self.sequence,
            "hash": self.hash,
            "at": self.at.isoformat(timespec="microseconds"),
            "keyed_from": self.keyed_from,
        }
        if self.heads:  # absent from checkpoints of a single chain, whose MACs stay as they were
            fields["heads"] = [list(h) for h in self.heads]
        return fields

    def points(self) -> list[Checkpoint]:
        """What verification compares with the trail: the newest event, and each chain's newest."""
        return [self] + [
            Checkpoint(sequence=seq, hash=hash_, at=self.at, keyed_from=self.keyed_from)
            for _, seq, hash_ in self.heads
            if seq != self.sequence
        ]

    def mac(self, key: bytes) -> str:
        text = json.dumps(self.fields(), sort_keys=True, separators=(",", ":"))
        return hmac.new(key, (MAC_CONTEXT + text).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AnchorProblem:
    line: int
    problem: str


def anchor_file(directory: Path) -> Path:
    return Path(directory) / FILE_NAME


def anchor_append(directory: Path, checkpoint: Checkpoint, key: bytes) -> Path:
    """Append one MACed checkpoint, whole, under an exclusive lock, and flush it to disk."""
    path = anchor_file(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({**checkpoint.fields(), "mac": checkpoint.mac(key)}, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    return path


def anchor_read(directory: Path, key: bytes) -> tuple[list[Checkpoint], list[AnchorProblem]]:
    """Every checkpoint in the file whose MAC is right, and a problem for each line that is not one."""
    path = anchor_file(directory)
    if not path.exists():
        return [], []
    checkpoints: list[Checkpoint] = []
    problems: list[AnchorProblem] = []
    with path.open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                checkpoint = Checkpoint(
                    sequence=int(data["sequence"]),
                    hash=str(data["hash"]),
                    at=datetime.fromisoformat(data["at"]),
                    keyed_from=None if data["keyed_from"] is None else int(data["keyed_from"]),
                    heads=tuple((int(c), int(q), str(h)) for c, q, h in data.get("heads", [])),
                )
                mac = str(data["mac"])
            except (ValueError, KeyError, TypeError):
                problems.append(
                    AnchorProblem(number, f"the checkpoint on line {number} of {path} is unreadable")
                )
                continue
            if not hmac.compare_digest(mac, checkpoint.mac(key)):
                problems.append(
                    AnchorProblem(
                        number,
                        f"the checkpoint on line {number} of {path} (event #{checkpoint.sequence}) does "
                        "not carry a valid MAC: it was forged, changed, or written with another audit key",
                    )
                )
                continue
            checkpoints.append(checkpoint)
    return checkpoints, problems


def anchor_newest(directory: Path, key: bytes, *, tail_bytes: int = 65536) -> Checkpoint | None:
    """The newest checkpoint with a valid MAC, read from the end of the file (cheap enough for a
    health check however long the file grows); None when there is none in the last ``tail_bytes``."""
    path = anchor_file(directory)
    if not path.exists():
        return None
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - tail_bytes))
        lines = f.read().decode("utf-8", "replace").splitlines()
    if size > tail_bytes:
        lines = lines[1:]  # the first line read may be cut
    newest: Checkpoint | None = None
    for text in lines:
        try:
            data = json.loads(text)
            checkpoint = Checkpoint(
                sequence=int(data["sequence"]),
                hash=str(data["hash"]),
                at=datetime.fromisoformat(data["at"]),
                keyed_from=None if data["keyed_from"] is None else int(data["keyed_from"]),
            )
            mac = str(data["mac"])
        except (ValueError, KeyError, TypeError):
            continue
        if hmac.compare_digest(mac, checkpoint.mac(key)) and (
            newest is None or checkpoint.sequence >= newest.sequence
        ):
            newest = checkpoint
    return newest
