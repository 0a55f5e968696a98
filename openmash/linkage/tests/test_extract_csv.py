"""A CSV extract read in batches gives what the whole file gave: the same records, sample, index
and errors (rows named the same way), and a row with too many fields is refused wherever it is.

An extract is parsed about 2**19 fields a batch, so these files are made wide with filler columns
(which an extract ignores) to span several batches in a few hundred or thousand rows."""

from __future__ import annotations

import csv
import io
import random
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from openmash.linkage.__main__ import EXIT_BAD_INPUT, main
from openmash.linkage.engine import LinkageModel, MappedIndex, SearchIndex, write_index
from openmash.linkage.engine.inputs import (
    DUPLICATE_ID,
    EMPTY_ID,
    LONE_CR,
    NOT_UTF8,
    STRAY_CR,
    Extract,
    InputError,
    read_frame,
)
from openmash.linkage.tests.folders import folder_contents

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The encoding is checked 1,001 bytes at a time, so blocks cut lines and characters."""
    monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", 1001)


def _batch_rows(columns: int) -> int:
    """The rows parsed at a time from a file of ``columns`` columns."""
    return max(2, 2**19 // columns)


def _awkward(right: pd.DataFrame) -> pd.DataFrame:
    """The records with what a CSV makes awkward, and 2,040 filler columns (so the parser reads
    256 rows a batch): quoted newlines on the last row of one batch and the first of the next,
    quoted commas and quotes, accented names, ids with leading zeros."""
    records = right.copy()
    records.loc[255, "address"] = "12 High Street\nNortham"
    records.loc[256, "address"] = '"The Cottage", Mill Road\r\nSouthby'
    records.loc[20, "given_name"] = "Zoë"
    records.loc[21, "surname"] = "Brontë-Ó Súilleabháin"
    records.loc[0, "record_id"] = "007"
    filler = pd.DataFrame("", index=records.index, columns=[f"x{i}" for i in range(2048 - records.shape[1])])
    return pd.concat([records, filler], axis=1)


def test_a_csv_extract_read_in_batches_gives_the_records_sample_and_index_of_the_whole_file(
    tmp_path: Path, pairs: Pairs, trained: LinkageModel, index: SearchIndex
) -> None:
    left, right, _ = pairs
    records = _awkward(right)
    csv_path = tmp_path / "right.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + records.to_csv(index=False).encode("utf-8"))
    parquet_path = tmp_path / "right.parquet"
    read_frame(csv_path).to_parquet(parquet_path, index=False, row_group_size=50)

    assert _batch_rows(2048) == 256, "600 records are read in 3 batches"
    whole = read_frame(csv_path)  # the whole file at once, as before
    assert whole.loc[255, "address"] == "12 High Street\nNortham" and whole.loc[0, "record_id"] == "007"
    extract = Extract(csv_path)
    assert len(extract) == len(whole) == 600
    chunks = list(extract.chunks(64))
    assert [len(c) for c in chunks] == [64] * 9 + [24]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    pd.testing.assert_frame_equal(extract.frame(), whole)
    pd.testing.assert_frame_equal(Extract(parquet_path).frame(), whole)

    for size, seed in ((1, 1), (50, 1), (50, 9), (599, 3)):
        pd.testing.assert_frame_equal(
            extract.sample(size, seed=seed), whole.sample(n=size, random_state=seed).reset_index(drop=True)
        )
    pd.testing.assert_frame_equal(extract.sample(600), whole)

    from_frame = write_index(whole, trained, tmp_path / "from_frame")
    from_csv = write_index(extract, trained, tmp_path / "from_csv", chunk_rows=64, sort_rows=500)
    from_parquet = write_index(Extract(parquet_path), trained, tmp_path / "from_parquet", chunk_rows=64)
    assert folder_contents(from_csv) == folder_contents(from_frame) == folder_contents(from_parquet)
    assert MappedIndex(from_csv).search(left.head(100)) == SearchIndex.build(whole, trained).search(
        left.head(100)
    )
    assert MappedIndex(from_csv).search(left.head(100)) == MappedIndex(from_parquet).search(left.head(100))


def test_a_training_sample_from_a_csv_is_the_one_the_whole_file_gave(tmp_path: Path, pairs: Pairs) -> None:
    _, right, _ = pairs
    path = tmp_path / "right.tsv"
    _awkward(right).to_csv(path, index=False, sep="\t")
    drawn = Extract(path).sample(200, seed=4)
    before = read_frame(path).sample(n=200, random_state=4).reset_index(drop=True)
    model = LinkageModel.default().train(drawn).sampled_from(600)
    assert model.to_json() == LinkageModel.default().train(before).sampled_from(600).to_json()


def _error(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except InputError as exc:
        return f"{exc} | row={exc.row} column={exc.column}"
    return "no error"


_FILLER = 124  # with the 4 named columns, 128: the parser reads 4,096 rows a batch


def _raised(call: object) -> tuple[type, str] | None:
    try:
        call()  # type: ignore[operator]
    except ValueError as exc:
        return type(exc), str(exc)
    return None


def _rows(count: int = 10_000) -> list[str]:
    """Data lines ``r0,Given0,Surname0,address,,,...``; every 4th address holds a quoted newline,
    so records and lines of the file differ. 10,000 rows are read in 3 batches."""
    lines = []
    for i in range(count):
        address = f'"{i} High St\nNortham"' if i % 4 == 0 else f"{i} High St"
        lines.append(f"r{i},Given{i},Surname{i},{address}{',' * _FILLER}\n")
    return lines


def _file(path: Path, lines: list[str], *, names: str = "record_id,given_name,surname,address") -> Path:
    header = ",".join([names, *(f"x{i}" for i in range(_FILLER))]) + "\n"
    path.write_bytes((header + "".join(lines)).encode("utf-8"))
    return path


def _same_error(path: Path) -> str:
    """The error Extract gives (reading in batches) is the one the whole file gave."""
    whole = _error(lambda: read_frame(path))
    batched = _error(lambda: Extract(path))
    assert batched == whole
    return batched


def test_the_files_below_span_several_batches(tmp_path: Path) -> None:
    assert _batch_rows(4 + _FILLER) == 4096
    extract = Extract(_file(tmp_path / "x.csv", _rows()))
    pd.testing.assert_frame_equal(extract.frame(), read_frame(tmp_path / "x.csv"))
    assert extract.frame().loc[4096, "address"] == "4096 High St\nNortham"


def test_a_bad_byte_late_in_the_file_is_named_by_its_row_and_column(tmp_path: Path) -> None:
    """Its row is counted as every other error counts it: record 9,002 has five blank lines above it
    (row 9,007), and 2,251 records holding a quoted line break (line 11,259 of the file)."""
    path = _file(tmp_path / "latin.csv", _blank_lines_before(_rows(), {2: 2, 6000: 3}))
    text = path.read_bytes()
    path.write_bytes(text.replace(b",Surname9001,", b",Bront\xeb,"))
    message = _same_error(path)
    assert message.startswith(f"{path}, row 9007, column surname: {NOT_UTF8}; byte 0xeb cannot be decoded")
    path.write_bytes(text.replace(b'"9000 High St\nNortham"', b'"9000 High St\nNorth\xe4m"'))
    message = _same_error(path)  # on the second line of a quoted value, in record 9,001's row
    assert message.startswith(f"{path}, row 9006, column address: {NOT_UTF8}; byte 0xe4 cannot be decoded")


def test_a_character_cut_at_the_end_of_the_file_is_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", 3)
    path = tmp_path / "cut.csv"
    path.write_bytes("record_id,surname\na,Zoë".encode()[:-1])
    assert NOT_UTF8 in _same_error(path)


def test_an_id_repeated_in_a_later_batch_is_refused_naming_both_rows(tmp_path: Path) -> None:
    lines = _rows()
    lines[9000] = lines[9000].replace("r9000,", "r2,", 1)
    message = _same_error(_file(tmp_path / "dup.csv", lines))
    assert f"row 9001, column record_id: {DUPLICATE_ID} 'r2' (also on row 3)" in message


def test_the_first_id_seen_again_is_the_one_reported(tmp_path: Path) -> None:
    lines = _rows()
    lines[5000] = lines[5000].replace("r5000,", "r4500,", 1)
    lines[9000] = lines[9000].replace("r9000,", "r1,", 1)
    message = _same_error(_file(tmp_path / "dups.csv", lines))
    assert "row 5001, column record_id: duplicate record_id 'r4500' (also on row 4501)" in message


def test_an_empty_id_and_a_ragged_row_in_late_batches_are_named_by_their_row(tmp_path: Path) -> None:
    lines = _rows()
    lines[9001] = lines[9001].replace("r9001,", " ,", 1)
    assert _same_error(_file(tmp_path / "empty.csv", lines)).endswith(
        f"row 9002, column record_id: {EMPTY_ID} | row=9002 column=record_id"
    )
    lines = _rows()
    lines[9005] = lines[9005].replace("\n", ",extra\n")
    message = _same_error(_file(tmp_path / "ragged.csv", lines))
    assert f"row 9006: has {4 + _FILLER + 1} fields where the header has {4 + _FILLER}" in message


#: Blank lines, which the parser skips: a user sees each as a row of the file.
_BLANK = ["\n", "   \n", "\t\n", "\r\n"]


def _blank_lines_before(lines: list[str], counts: dict[int, int]) -> list[str]:
    """``lines`` with ``counts[i]`` blank lines (empty, spaces or a tab alone) before line ``i``."""
    out: list[str] = []
    for i, line in enumerate(lines):
        out += [_BLANK[j % len(_BLANK)] for j in range(counts.get(i, 0))]
        out.append(line)
    return out


@pytest.mark.parametrize(
    ("kind", "change", "message", "column"),
    [
        ("ragged", (",", ",extra,"), "row 9011: has 129 fields where the header has 128", None),
        ("empty", ("r9004,", " ,"), f"row 9011, column record_id: {EMPTY_ID}", "record_id"),
        (
            "repeated",
            ("r9004,", "r2,"),
            f"row 9011, column record_id: {DUPLICATE_ID} 'r2' (also on row 5)",
            "record_id",
        ),
        ("stray-cr", ("Given9004", "Giv\ren9004"), f"row 9011, column given_name: {STRAY_CR}", "given_name"),
        ("cr-line", ("r9004,", "\r  r9004,"), f"row 9011: {STRAY_CR}", None),
    ],
)
def test_a_bad_row_below_blank_lines_is_named_by_the_row_a_user_finds(
    tmp_path: Path, kind: str, change: tuple[str, str], message: str, column: str | None
) -> None:
    """Row N is the Nth line under the header: the blank lines above it count, as they do when the
    parser names a row with too many fields; a quoted value's line breaks (every 4th record holds
    one) do not. Record 9,005 has six blank lines above it (two before record 3): row 9,011.

    A carriage return on its own would end a row there for the parser: the row was cut in two,
    unreported, or (before spaces) the parser made up a batch of empty rows."""
    lines = _rows()
    lines[9004] = lines[9004].replace(*change, 1)
    path = _file(tmp_path / f"{kind}.csv", _blank_lines_before(lines, {2: 2, 6000: 3, 9000: 1}))
    assert _same_error(path) == f"{path}, {message} | row=9011 column={column}"


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_carriage_return_on_its_own_is_refused_outside_quotes_and_kept_inside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], eol: str
) -> None:
    """Inside quotes, a carriage return is part of the value (beside doubled quotes, delimiters and
    line breaks): the file reads as before. Outside them, it is refused, naming its row. The text
    is checked 3 to 9 bytes at a time, so that blocks end at every byte of it."""
    values = ["a\rb", "\r", "x\r", "\ry", 'say "hi"\r', 'q""\r"', "one,\rtwo", "a\r\nb", "\r\n\r", '"\r"']
    text = f"record_id,given_name,address{eol}" + "".join(
        f'r{i},"{value.replace(chr(34), chr(34) * 2)}",{i} High St{eol}' for i, value in enumerate(values)
    )
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(text.encode())
    stray = tmp_path / "stray.csv"
    stray.write_bytes((text + f"r10,Ann\rMarie,10 High St{eol}").encode())
    expected = f"{stray}, row 11, column given_name: {STRAY_CR}"
    for block in range(3, 10):
        monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", block)
        frame = read_frame(quoted)
        assert frame["given_name"].tolist() == values
        pd.testing.assert_frame_equal(Extract(quoted).frame(), frame)
        assert _same_error(stray) == f"{expected} | row=11 column=given_name"

    indexes = tmp_path / "indexes"
    assert main(["index", str(stray), "--out", str(indexes), "--quiet"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"error: {expected}\n"
    assert not indexes.exists()


#: Stands for a byte that is not UTF-8 in the random files below.
_BAD = "¤"


def _first(body: str, wanted: str, delimiter: str) -> tuple[int, int, bool] | None:
    """The row (1 = the first under the header), field and blankness before it of the first
    ``wanted`` in ``body``, found a character at a time as the parser reads (a quote opens a value
    only at the start of a field; a doubled quote inside one is a quote): "\\r", a carriage return
    not followed by a line feed nor inside quotes; :data:`_BAD`, a bad byte anywhere (a carriage
    return on its own ends a row before it)."""
    row, field, blank, quoted, field_start = 1, 0, True, False, True
    i = 0
    while i < len(body):
        c = body[i]
        if c == wanted == _BAD:
            return row, field, blank
        if quoted:
            if c == '"' and body[i + 1 : i + 2] == '"':
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"' and field_start:
            quoted, blank, field_start = True, False, False
        elif c == "\r" and body[i + 1 : i + 2] != "\n":
            if wanted == "\r":
                return row, field, blank
            row, field, blank, field_start = row + 1, 0, True, True
        elif c == "\n":
            row, field, blank, field_start = row + 1, 0, True, True
        elif c == delimiter:
            field, blank, field_start = field + 1, False, True
        elif c != "\r":
            blank = blank and c in " \t"
            field_start = False
        i += 1
    return None


def test_a_carriage_return_on_its_own_or_a_bad_byte_is_found_wherever_quotes_and_blocks_fall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random CSV and TSV files of quotes, delimiters, line breaks, carriage returns, spaces and
    bytes that are not UTF-8, their text checked 3 to 9 bytes at a time: the first bad byte is
    named by the row and column where a character-at-a-time reading finds it; in a file without
    one, so is a carriage return on its own outside quotes (one inside quotes is part of its
    value)."""
    rng = random.Random(13)
    pieces = ["a", "7", ",", ",", '"', '"', "\n", "\r\n", "\r", " ", "\t", "é"]
    names = ["record_id", "given_name", "surname"]
    found = {"\r": 0, _BAD: 0}
    for case in range(400):
        body = "".join(rng.choice(pieces + [_BAD] * (case % 3 == 0)) for _ in range(rng.randrange(1, 40)))
        delimiter = rng.choice([",", "\t"])
        path = tmp_path / f"case{case}.{'csv' if delimiter == ',' else 'tsv'}"
        header = delimiter.join(names) + "\n"
        path.write_bytes((header + body).encode().replace(_BAD.encode(), b"\xff"))
        monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", rng.randrange(3, 10))
        error = _same_error(path)
        wanted = _BAD if _BAD in body else "\r"
        if (spot := _first(body, wanted, delimiter)) is None:
            assert STRAY_CR not in error, body
            continue
        found[wanted] += 1
        row, field, blank = spot
        if wanted == _BAD:
            column = names[field] if field < len(names) else None
            reason = f"{NOT_UTF8}; byte 0xff cannot be decoded"
        else:
            column = None if blank or field >= len(names) else names[field]
            reason = STRAY_CR
        where = f"row {row}" + (f", column {column}" if column else "")
        assert error == f"{path}, {where}: {reason} | row={row} column={column}", body
    assert found["\r"] > 100 and found[_BAD] > 80


def test_a_first_row_with_too_many_fields_below_blank_lines_is_named_by_its_row(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("record_id,given_name\n\n   \nR1,Ann,\nR2,Bob,\n")
    assert _same_error(path) == (
        f"{path}, row 3: has 3 fields where the header has 2 (a delimiter at the end of the line?)"
        " | row=3 column=None"
    )


def _lines_and_rows(rng: random.Random, columns: int) -> tuple[list[str], list[int]]:
    """A CSV extract's lines under its header, some of them blank, and the row of each record: its
    line's number under the header, blank lines counted, a quoted value's line breaks not."""
    values = ["", "a", "Zoë", "x,y", 'say "hi"', "two\nlines", "three\r\nlines\n"]
    eol = rng.choice(["\n", "\r\n"])
    lines: list[str] = []
    rows: list[int] = []
    for i in range(rng.randrange(1, 12)):
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            lines.append(rng.choice(["", "  ", "\t"]) + eol)
        out = io.StringIO()
        csv.writer(out, lineterminator=eol).writerow(
            [f"r{i}", *(rng.choice(values) for _ in range(columns - 1))]
        )
        lines.append(out.getvalue())
        rows.append(len(lines))
    return lines, rows


def test_every_kind_of_bad_row_is_named_by_the_same_row_whatever_the_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random extracts with blank lines and quoted line breaks, parsed 3 to 6 rows a batch, their
    text checked 3 bytes at a time: a record with too many fields, an empty id, an id given before
    or a carriage return on its own in its id is named by its row, whatever the kind of error, by
    the whole-file read and the batched one alike."""
    monkeypatch.setattr("openmash.linkage.engine.inputs._BATCH_FIELDS", 18)
    monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", 3)
    rng = random.Random(7)
    for case in range(80):
        columns = rng.randrange(3, 7)
        lines, rows = _lines_and_rows(rng, columns)
        bad = rng.randrange(len(rows))
        line = rows[bad] - 1
        record = f"r{bad},"
        earlier = rng.randrange(bad) if bad else None
        hint = " (a delimiter at the end of the line?)" if bad == 0 else ""
        kinds = {
            "ragged": (
                record,
                f"{record}extra,",
                f"has {columns + 1} fields where the header has {columns}{hint}",
            ),
            "empty": (record, ",", f"{EMPTY_ID}"),
            "stray-cr": (record, f"r\r{bad},", STRAY_CR),
        }
        if earlier is not None:
            kinds["repeated"] = (
                record,
                f"r{earlier},",
                f"{DUPLICATE_ID} 'r{earlier}' (also on row {rows[earlier]})",
            )
        for kind, (old, new, reason) in kinds.items():
            changed = [*lines[:line], lines[line].replace(old, new, 1), *lines[line + 1 :]]
            path = tmp_path / f"case{case}-{kind}.csv"
            path.write_bytes(
                ("record_id," + ",".join(f"c{i}" for i in range(1, columns)) + "\n").encode()
                + "".join(changed).encode()
            )
            where = f"row {rows[bad]}" + ("" if kind == "ragged" else ", column record_id")
            column = "None" if kind == "ragged" else "record_id"
            assert _same_error(path) == f"{path}, {where}: {reason} | row={rows[bad]} column={column}", (
                changed
            )


def test_a_delimiter_at_the_end_of_every_line_is_refused_not_shifted_a_column(tmp_path: Path) -> None:
    """pandas reads a first row with one field too many as an index column: every value would land in
    the next column (the given name read as the record id). The file is refused, naming row 1."""
    path = tmp_path / "trailing.csv"
    path.write_text(
        "record_id,given_name,surname,date_of_birth\nR1,Ann,Smith,2010-01-02,\nR2,Bob,Jones,2011-03-04,\n"
    )
    assert _same_error(path) == (
        f"{path}, row 1: has 5 fields where the header has 4 (a delimiter at the end of the line?)"
        " | row=1 column=None"
    )
    with_value = tmp_path / "extra.csv"
    with_value.write_text("record_id,given_name\nR1,Ann,x,y\nR2,Bob\n")
    assert "row 1: has 4 fields where the header has 2" in _same_error(with_value)


def _with(lines: list[str], changes: dict[int, str]) -> list[str]:
    """``lines`` with ``changes[i]`` added at the end of line ``i`` (row ``i + 1``)."""
    return [line[:-1] + changes[i] + "\n" if i in changes else line for i, line in enumerate(lines)]


@pytest.mark.parametrize(
    ("changes", "row", "fields"),
    [
        ({4096: ",extra"}, 4097, 129),  # the first row of the second batch
        ({8192: ",extra"}, 8193, 129),  # of the third
        ({4096: ","}, 4097, 129),  # a delimiter at the end of the line: the extra field is empty
        ({4096: ",x,y", 4097: ",z"}, 4097, 130),  # rows after it with as many fields as it has
        ({4096: ",", 6000: ",x"}, 4097, 129),  # a later row in the same batch
        ({6144: ",x", 8192: ",y,z"}, 6145, 129),  # in mid-batch, before one at a batch start
    ],
)
def test_a_row_with_too_many_fields_at_the_start_of_a_batch_is_refused(
    tmp_path: Path, changes: dict[int, str], row: int, fields: int
) -> None:
    """The parser does not count the fields of the first row of each batch it reads: a row there
    with too many fields once lost the extra ones, unreported, whole file or batches alike."""
    assert _batch_rows(4 + _FILLER) == 4096
    path = _file(tmp_path / "ragged.csv", _with(_rows(), changes))
    assert _same_error(path) == (
        f"{path}, row {row}: has {fields} fields where the header has {4 + _FILLER} | row={row} column=None"
    )


def test_a_short_row_at_the_start_of_a_batch_is_read_as_before(tmp_path: Path) -> None:
    lines = _rows()
    lines[4096] = "r4096,Given4096\n"
    path = _file(tmp_path / "short.csv", lines)
    frame = read_frame(path)
    pd.testing.assert_frame_equal(Extract(path).frame(), frame)
    assert frame.loc[4096, "given_name"] == "Given4096" and frame.loc[4096, "surname"] == ""
    assert frame.loc[4097, "surname"] == "Surname4097"


_EIGHT = "record_id,given_name,surname,date_of_birth,sex,postcode,address,nhs_number"


@pytest.mark.parametrize("row", [65_537, 131_073])
def test_a_ragged_row_at_a_batch_start_of_an_eight_column_extract_is_refused_by_every_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: int
) -> None:
    """65,536 rows of 8 columns are parsed at a time: the rows after a batch's last one."""
    assert _batch_rows(8) == 65_536
    lines = [f"R{i},Ann,Lee,2001-02-03,F,AB1 2CD,1 High St,\n" for i in range(row + 10)]
    lines[row - 1] = lines[row - 1].replace("1 High St", "1 High St, Northam")  # nine fields
    path = tmp_path / "eight.csv"
    path.write_text(_EIGHT + "\n" + "".join(lines), encoding="utf-8")
    expected = f"{path}, row {row}: has 9 fields where the header has 8"

    with pytest.raises(InputError) as whole:
        read_frame(path)
    assert str(whole.value) == expected and whole.value.row == row
    with pytest.raises(InputError) as opened:
        Extract(path)
    assert str(opened.value) == expected

    out = tmp_path / "indexes"
    assert main(["index", str(path), "--out", str(out), "--quiet"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"error: {expected}\n"
    assert not out.exists()


def _random_extract(rng: random.Random, columns: int) -> tuple[str, int | None, int]:
    """A CSV extract of up to 40 records (values with quotes, delimiters, newlines) where a few rows
    may have extra fields (some empty): its text, the first such row and its fields."""
    values = ["", "a", "Zoë", "x,y", 'say "hi"', "two\nlines", " ", "0"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(["record_id", *(f"c{i}" for i in range(1, columns))])
    first: int | None = None
    fields = columns
    for i in range(rng.randrange(1, 40)):
        row = [f"r{i}", *(rng.choice(values) for _ in range(columns - 1))]
        if rng.random() < 0.08:
            row += [rng.choice(values) for _ in range(rng.randrange(1, 3))]
            if first is None:
                first, fields = i + 1, len(row)
        writer.writerow(row)
    return out.getvalue(), first, fields


def test_every_row_with_too_many_fields_is_refused_whatever_the_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random extracts parsed 3 to 6 rows a batch: the first row with too many fields is named,
    wherever the batches start, by the whole-file read and the batched one alike."""
    monkeypatch.setattr("openmash.linkage.engine.inputs._BATCH_FIELDS", 18)
    rng = random.Random(11)
    refused = at_a_batch_start = 0
    for case in range(150):
        columns = rng.randrange(3, 7)
        text, row, fields = _random_extract(rng, columns)
        path = tmp_path / f"case{case}.csv"
        path.write_bytes(text.encode("utf-8"))
        if row is None:
            assert _same_error(path) == "no error"
            assert len(Extract(path)) == len(read_frame(path))
            continue
        refused += 1
        at_a_batch_start += row > 1 and (row - 1) % (18 // columns) == 0
        hint = " (a delimiter at the end of the line?)" if row == 1 else ""
        assert _same_error(path) == (
            f"{path}, row {row}: has {fields} fields where the header has {columns}{hint}"
            f" | row={row} column=None"
        ), text
    assert refused > 60 and at_a_batch_start > 10


def test_a_row_error_comes_before_a_missing_column_or_id(tmp_path: Path) -> None:
    """As for the whole file: every row's fields first, then the columns, then empty ids."""
    lines = [line.replace("r1,", ",", 1) for line in _rows()]
    lines[9003] = lines[9003].replace("\n", ",x,y\n")
    assert "fields where the header" in _same_error(_file(tmp_path / "a.csv", lines))
    assert "fields where the header" in _same_error(_file(tmp_path / "b.csv", lines, names="id,a,b,c"))
    lines[9003] = lines[9003].replace(",x,y\n", "\n")
    assert "has no record_id column" in _same_error(_file(tmp_path / "c.csv", lines, names="id,a,b,c"))
    assert EMPTY_ID in _same_error(_file(tmp_path / "d.csv", lines))


def test_empty_header_only_and_short_rows_read_as_the_whole_file_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", 3)
    for name, text in {
        "blank.csv": " \n\n",
        "bom.csv": "\ufeff",
        "header.csv": "record_id,surname\n",
        "twice.csv": "record_id,Surname,surname \n1,a,b\n",
        "short.csv": "record_id,surname,postcode\na,Lee\n\n   \nb\nc,Kaur,AB1 2CD\n",
    }.items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        try:
            expected = read_frame(path)
        except InputError:
            _same_error(path)
            continue
        extract = Extract(path)
        pd.testing.assert_frame_equal(extract.frame(), expected)
        if len(expected) > 1:
            drawn = expected.sample(n=1, random_state=1).reset_index(drop=True)
            pd.testing.assert_frame_equal(extract.sample(1), drawn)
        assert len(extract) == len(expected)
    assert len(Extract(tmp_path / "header.csv")) == 0
    assert list(Extract(tmp_path / "header.csv").chunks(10)) == []


def test_any_file_reads_in_batches_as_it_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short random files of quotes, delimiters, newlines, spaces and non-ASCII text, their encoding
    checked 3 bytes at a time: the records, sample and chunks are the whole read's, or the error
    is its error, word for word. (A carriage return on its own outside quotes refuses many of
    them: 400 files leave more than 30 read.)"""
    monkeypatch.setattr("openmash.linkage.engine.inputs._CHECK_BYTES", 3)
    rng = random.Random(5)
    pieces = ["a", "b", "7", "0", ",", ",", '"', "\n", "\n", "\r\n", "\r", " ", "é", "Ω", "\t", "\ufeff"]
    compared = errors = 0
    for case in range(400):
        body = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 60)))
        header = rng.choice(
            ["record_id,surname\n", "record_id,surname,sex\n", "Record_ID\n", '"record_id"\r\n']
        )
        path = tmp_path / f"case{case}.{rng.choice(['csv', 'tsv'])}"
        path.write_bytes((rng.choice(["", "\ufeff"]) + header + body).encode("utf-8"))
        whole = _raised(partial(read_frame, path))
        if whole is not None:  # an InputError, or pandas' own for a file with no columns
            errors += 1
            assert _raised(partial(Extract, path)) == whole, path.read_bytes()
            continue
        expected = read_frame(path)
        compared += 1
        extract = Extract(path)
        pd.testing.assert_frame_equal(extract.frame(), expected)
        chunks = list(extract.chunks(2))
        assert [len(c) for c in chunks[:-1]] == [2] * (len(chunks) - 1)
        if chunks:
            pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), expected)
        size = rng.randrange(0, len(expected) + 1)
        pd.testing.assert_frame_equal(
            extract.sample(size, seed=case),
            expected
            if size >= len(expected)
            else expected.sample(n=size, random_state=case).reset_index(drop=True),
        )
    assert compared > 30 and errors > 30


def test_a_csv_changed_after_it_was_checked_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("record_id,surname\na,Lee\nb,Kaur\nc,Khan\n", encoding="utf-8")
    extract = Extract(path)
    path.write_text("record_id,surname\na,Lee\nb,Kaur\nc,Khan\na,Smith\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has changed since it was opened \(3 records then, 4 now\)"):
        list(extract.chunks(10))
    with pytest.raises(InputError, match="has changed since it was opened"):
        extract.sample(2)


def test_lines_ended_by_a_carriage_return_alone_are_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An old Mac file (every line ended by "\\r") is one line to the header check: it gets an error,
    not a traceback, from the reader and the command line alike."""
    path = tmp_path / "mac.csv"
    path.write_bytes(b"record_id,given_name\r1,Ann\r2,Bob\r")
    assert _same_error(path) == f"{path}: {LONE_CR} | row=None column=None"
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(b"record_id,given_name\r")
    assert _same_error(header_only) == f"{header_only}: {LONE_CR} | row=None column=None"
    out = tmp_path / "indexes"
    assert main(["index", str(path), "--out", str(out), "--quiet"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"error: {path}: {LONE_CR}\n"
    assert not out.exists()
