"""Input tables: read CSV/Parquet/Arrow/pandas/Polars, validate, and turn into typed arrays.

Dates become int32 days since 1970-01-01; labels become small integer codes; person ids become
row positions in the cohort, so every later step is plain numpy on dense integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError

MAX_ROWS_SHOWN = 5
NO_DATE = np.iinfo(np.int32).max  # a missing date sorts after every real one
LOCAL_TIME_ZONE = "Europe/London"  # the calendar of the courts and police forces the data come from

COHORT_REQUIRED = ("person_id", "group", "index_date")
COHORT_OPTIONAL = ("arm", "received", "stratum")
OFFENCES_REQUIRED = ("person_id", "offence_date", "recorded_date", "offence_code", "domestic_abuse")
OFFENCES_OPTIONAL = ("same_victim", "disposal_type", "disposal_date")
RECEIVED_VALUES = ("none", "started", "completed")
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


@dataclass
class Labels:
    """A categorical column as integer codes into `levels` (-1 where missing)."""

    codes: np.ndarray
    levels: list[str]

    def mask(self, level: str) -> np.ndarray:
        if level not in self.levels:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == self.levels.index(level)


@dataclass
class Cohort:
    """One row per person: dense arrays, index dates as days since 1970-01-01."""

    person_id: pa.Array
    group: Labels
    index_day: np.ndarray
    arm: Labels | None = None
    received: Labels | None = None
    covariates: dict[str, np.ndarray | Labels] = field(default_factory=dict)  # text: Labels
    stratum: Labels | None = None  # e.g. the force in a pooled run: effects are stratified

    @property
    def n(self) -> int:
        return len(self.index_day)


@dataclass
class Offences:
    """One row per offence, already joined to the cohort (`person` is the cohort row, -1 if the
    person is not in the cohort)."""

    person: np.ndarray
    offence_day: np.ndarray
    recorded_day: np.ndarray
    code: Labels
    domestic_abuse: np.ndarray
    same_victim: np.ndarray | None = None
    disposal_type: Labels | None = None
    disposal_day: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.person)


def read_table(source: Any, name: str, columns: list[str] | None = None) -> pa.Table:
    """Anything Arrow-compatible, or a path to a .csv / .parquet file, as a pyarrow Table.
    `columns` (when given) limits what is read from a Parquet file to those present."""
    if isinstance(source, pa.Table):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise InputError(name, None, f"file not found: {path}")
        try:
            if path.suffix.lower() in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                # ParquetFile, not pq.read_table: the latter goes through pyarrow.dataset,
                # whose first use imports pandas and more (0.5 s of CPU in a fresh process).
                schema = pq.ParquetFile(path, memory_map=True).schema_arrow
                if columns is not None:
                    columns = [c for c in columns if c in schema.names]
                # Text columns arrive dictionary-encoded (as Parquet stores them): labels are
                # then re-coded from the small dictionary instead of hashing every row.
                text = [f.name for f in schema if pa.types.is_string(f.type)
                        or pa.types.is_large_string(f.type)]  # fmt: skip
                pf = pq.ParquetFile(path, memory_map=True, read_dictionary=text)
                return pf.read(columns=columns)
            import pyarrow.csv as pcsv

            return pcsv.read_csv(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(name, None, f"cannot read {path}: {exc}") from None
    if isinstance(source, dict):
        return pa.table(source)
    if hasattr(source, "to_arrow"):  # Polars
        return source.to_arrow()
    if hasattr(source, "__arrow_c_stream__") or hasattr(source, "__dataframe__"):
        try:
            return pa.table(source)
        except (TypeError, pa.ArrowInvalid):
            pass
    try:
        return pa.Table.from_pandas(source, preserve_index=False)
    except (TypeError, AttributeError, pa.ArrowInvalid) as exc:
        raise InputError(name, None, f"not a table: {type(source).__name__}") from exc


def _np(arr: pa.Array) -> np.ndarray:
    """An Arrow array of integers, floats or flags as numpy, read from its data buffer (no copy
    but for flags). pyarrow's own conversion imports pandas whenever it is installed (0.3-0.5 s
    of CPU in a fresh process, for nothing here). Values under nulls are whatever the buffer
    holds: callers fill nulls first."""
    typ = arr.type
    if pa.types.is_boolean(typ):
        if len(arr) == 0:
            return np.zeros(0, dtype=bool)
        bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
        unpacked = np.unpackbits(bits, count=arr.offset + len(arr), bitorder="little")
        return unpacked[arr.offset :].view(bool)
    if pa.types.is_integer(typ):
        kind = "i" if pa.types.is_signed_integer(typ) else "u"
    elif pa.types.is_floating(typ):
        kind = "f"
    else:
        raise TypeError(f"not a numeric array: {typ}")
    dtype = np.dtype(f"{kind}{typ.bit_width // 8}")
    if len(arr) == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr),
                         offset=arr.offset * dtype.itemsize)  # fmt: skip


def _filled(arr: pa.Array, value: int) -> np.ndarray:
    """`_np` with nulls replaced by `value` (done in numpy: Arrow's fill_null builds a scalar
    from Python, which imports pandas too)."""
    values = _np(arr)
    if not arr.null_count:
        return values
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    valid = np.unpackbits(bits, count=arr.offset + len(arr), bitorder="little")[arr.offset :]
    return np.where(valid.view(bool), values, value)


def _rows(mask: np.ndarray) -> tuple[list[int], int]:
    hits = np.flatnonzero(mask)
    return [int(i) + 1 for i in hits[:MAX_ROWS_SHOWN]], len(hits)


def _fail(table: str, column: str, problem: str, mask: np.ndarray) -> None:
    if mask.any():
        rows, total = _rows(mask)
        raise InputError(table, column, problem, rows, total)


def _column(t: pa.Table, table: str, name: str) -> pa.Array:
    col = t.column(name)
    if isinstance(col, pa.ChunkedArray):
        if pa.types.is_dictionary(col.type):
            col = col.unify_dictionaries()
        return col.combine_chunks()
    return col


def _require(t: pa.Table, table: str, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in t.column_names:
            raise InputError(
                table, name, f"missing column (the table has: {', '.join(t.column_names)})"
            )


def _no_nulls(arr: pa.Array, table: str, column: str) -> None:
    if arr.null_count:
        _fail(table, column, "missing values", _np(arr.is_null()))


def _decoded(arr: pa.Array) -> pa.Array:
    """Dictionary-encoded values as a plain array (text dates and flags read from Parquet)."""
    return arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr


def to_days(arr: pa.Array, table: str, column: str, allow_null: bool = False) -> np.ndarray:
    """A date column (date, timestamp or ISO 'YYYY-MM-DD' text) as int32 days since 1970-01-01."""
    arr = _decoded(arr)
    typ = arr.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        text = pc.utf8_trim_whitespace(arr)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        bad = _np(pc.and_(parsed.is_null(), text.is_valid()))
        _fail(table, column, "unparseable dates (expected YYYY-MM-DD)", bad)
        arr = parsed
        typ = arr.type
    if pa.types.is_timestamp(typ) and typ.tz is not None:
        # An aware timestamp is an instant: its calendar date is the date in England and Wales
        # (midnight British Summer Time is 23:00 UTC the day before). Naive timestamps are
        # taken as local wall-clock times already, so their date is the date as written.
        arr = pc.local_timestamp(arr.cast(pa.timestamp(typ.unit, tz=LOCAL_TIME_ZONE)))
        typ = arr.type
    if pa.types.is_timestamp(typ):
        arr = pc.cast(pc.floor_temporal(arr, unit="day"), pa.timestamp(typ.unit)).cast(
            pa.timestamp("s")
        )
        arr = pc.cast(pc.divide(arr.cast(pa.int64()), 86400), pa.int32())
    elif pa.types.is_date(typ):
        arr = arr.cast(pa.date32()).cast(pa.int32())
    elif pa.types.is_null(typ):
        arr = pa.nulls(len(arr), pa.int32())
    else:
        raise InputError(table, column, f"wrong type {typ}: expected a date or 'YYYY-MM-DD' text")
    if arr.null_count:
        if not allow_null:
            _no_nulls(arr, table, column)
        return _filled(arr, NO_DATE).astype(np.int32, copy=False)
    return _np(arr).astype(np.int32, copy=False)


def to_bool(arr: pa.Array, table: str, column: str) -> np.ndarray:
    """A flag column (bool, 0/1, or true/false/yes/no text) as a numpy bool array."""
    arr = _decoded(arr)
    typ = arr.type
    _no_nulls(arr, table, column)
    if pa.types.is_boolean(typ):
        return _np(arr)
    if pa.types.is_integer(typ):
        values = _np(arr)
        _fail(table, column, "flag values must be 0 or 1", (values != 0) & (values != 1))
        return values == 1
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        is_true = _np(pc.is_in(low, pa.array(sorted(TRUE_WORDS))))
        is_false = _np(pc.is_in(low, pa.array(sorted(FALSE_WORDS))))
        _fail(table, column, "flag values must be true/false, yes/no or 1/0", ~(is_true | is_false))
        return is_true
    raise InputError(table, column, f"wrong type {typ}: expected true/false")


def to_labels(arr: pa.Array, table: str, column: str, allow_null: bool = False) -> Labels:
    """A text (or integer) label column as integer codes."""
    if not allow_null:
        _no_nulls(arr, table, column)
    if pa.types.is_dictionary(arr.type):
        # already coded: re-code the (small) dictionary, not the column
        values = arr.dictionary
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        enc = pc.dictionary_encode(values)
        levels = [str(v) for v in enc.dictionary.to_pylist()]
        idx = arr.indices
        if len(levels) == len(values):  # distinct dictionary (the usual case): codes as they are
            codes = _filled(idx, -1)
            return Labels(codes.astype(np.int32, copy=False), levels)
        remap = np.append(_np(enc.indices).astype(np.int32), -1)
        return Labels(remap[_filled(idx, -1).astype(np.int64)], levels)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type):
            arr = arr.cast(pa.string())
        elif pa.types.is_null(arr.type):
            return Labels(np.full(len(arr), -1, dtype=np.int32), [])
        else:
            raise InputError(table, column, f"wrong type {arr.type}: expected text labels")
    encoded = pc.dictionary_encode(arr)
    codes = _filled(encoded.indices, -1).astype(np.int32, copy=False)
    return Labels(codes, [str(v) for v in encoded.dictionary.to_pylist()])


def _person_ids(arr: pa.Array, table: str) -> pa.Array:
    _no_nulls(arr, table, "person_id")
    if pa.types.is_integer(arr.type):
        return arr.cast(pa.int64())
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_dictionary(arr.type):
        return arr.cast(arr.type.value_type).cast(pa.string())
    raise InputError(table, "person_id", f"wrong type {arr.type}: expected integers or text")


def load_cohort(source: Any, covariates: list[str] | None = None) -> Cohort:
    """Validate a cohort table. `covariates` (default: every column not in the contract) may be
    numeric, boolean or text; text covariates are dummy-coded later, in the propensity model."""
    wanted = None if covariates is None else [*COHORT_REQUIRED, *COHORT_OPTIONAL, *covariates]
    t = read_table(source, "cohort", wanted)
    _require(t, "cohort", COHORT_REQUIRED)
    pid = _person_ids(_column(t, "cohort", "person_id"), "cohort")
    if len(pid) == 0:
        raise InputError("cohort", None, "the cohort is empty")
    if pa.types.is_integer(pid.type):
        values = _np(pid)
        order = np.argsort(values, kind="stable")
        sorted_values = values[order]
        dup_sorted = np.r_[False, sorted_values[1:] == sorted_values[:-1]]
        dup = np.zeros(len(values), dtype=bool)
        dup[order[dup_sorted]] = True
    else:
        encoded = _np(pc.dictionary_encode(pid).indices)
        seen = np.zeros(len(pid), dtype=bool)
        _, first_pos = np.unique(encoded, return_index=True)
        seen[first_pos] = True
        dup = ~seen
    _fail("cohort", "person_id", "duplicate person ids (one row per person)", dup)
    group = to_labels(_column(t, "cohort", "group"), "cohort", "group")
    index_day = to_days(_column(t, "cohort", "index_date"), "cohort", "index_date")
    arm = None
    if "arm" in t.column_names:
        arm = to_labels(_column(t, "cohort", "arm"), "cohort", "arm", allow_null=True)
    received = None
    if "received" in t.column_names:
        received = to_labels(_column(t, "cohort", "received"), "cohort", "received", True)
        allowed = np.array([lvl.lower() in RECEIVED_VALUES for lvl in received.levels] + [True])
        _fail(
            "cohort",
            "received",
            f"values must be one of {', '.join(RECEIVED_VALUES)} (or empty)",
            ~allowed[received.codes],
        )
        received.levels = [lvl.lower() for lvl in received.levels]
    names = covariates
    if names is None:
        names = [c for c in t.column_names if c not in COHORT_REQUIRED + COHORT_OPTIONAL]
    covs: dict[str, np.ndarray | Labels] = {}
    for name in names:
        if name not in t.column_names:
            raise InputError("cohort", name, "covariate not found in the cohort table")
        covs[name] = _covariate(_column(t, "cohort", name), name)
    stratum = None
    if "stratum" in t.column_names:
        stratum = to_labels(_column(t, "cohort", "stratum"), "cohort", "stratum")
    return Cohort(pid, group, index_day, arm, received, covs, stratum)


def _covariate(arr: pa.Array, name: str) -> np.ndarray | Labels:
    typ = arr.type
    _no_nulls(arr, "cohort", name)
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ):
        return _np(arr)  # kept as integers or flags: the design matrix stores them small
    if pa.types.is_floating(typ):
        values = _np(arr.cast(pa.float64()))
        _fail("cohort", name, "covariate is not finite", ~np.isfinite(values))
        return values
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_dictionary(typ):
        return to_labels(arr, "cohort", name)
    raise InputError("cohort", name, f"wrong type {typ}: covariates must be numbers, flags or text")


_EMPTY_TYPES = {"offence_date": pa.date32(), "recorded_date": pa.date32(),
                "disposal_date": pa.date32(), "domestic_abuse": pa.bool_(),
                "same_victim": pa.bool_(), "offence_code": pa.string(),
                "disposal_type": pa.string()}  # fmt: skip


def _typed_empty(t: pa.Table, person_id_type: pa.DataType) -> pa.Table:
    """An empty offences table with its null-typed (untyped) columns given their types."""
    for i, name in enumerate(t.column_names):
        want = person_id_type if name == "person_id" else _EMPTY_TYPES.get(name)
        if want is not None and pa.types.is_null(t.schema.field(i).type):
            t = t.set_column(i, name, pa.array([], type=want))
    return t


def load_offences(source: Any, cohort: Cohort) -> Offences:
    """Validate an offences table and join it to the cohort by person id."""
    t = read_table(source, "offences")
    _require(t, "offences", OFFENCES_REQUIRED)
    if t.num_rows == 0:  # nobody reoffended: valid, but a header-only CSV has untyped columns
        t = _typed_empty(t, cohort.person_id.type)
    pid = _person_ids(_column(t, "offences", "person_id"), "offences")
    if pid.type != cohort.person_id.type:
        raise InputError(
            "offences",
            "person_id",
            f"type {pid.type} does not match the cohort's person_id type {cohort.person_id.type}",
        )
    person = join_people(cohort.person_id, pid)
    offence_day = to_days(_column(t, "offences", "offence_date"), "offences", "offence_date")
    recorded_day = to_days(_column(t, "offences", "recorded_date"), "offences", "recorded_date")
    _fail(
        "offences",
        "recorded_date",
        "recorded before the offence date (negative duration)",
        recorded_day < offence_day,
    )
    code = to_labels(_column(t, "offences", "offence_code"), "offences", "offence_code")
    da = to_bool(_column(t, "offences", "domestic_abuse"), "offences", "domestic_abuse")
    same_victim = None
    if "same_victim" in t.column_names:
        same_victim = to_bool(_column(t, "offences", "same_victim"), "offences", "same_victim")
    disposal_type = disposal_day = None
    if "disposal_type" in t.column_names:
        disposal_type = to_labels(
            _column(t, "offences", "disposal_type"), "offences", "disposal_type", True
        )
        disposal_type.levels = [lvl.strip().lower() for lvl in disposal_type.levels]
    if "disposal_date" in t.column_names:
        disposal_day = to_days(
            _column(t, "offences", "disposal_date"), "offences", "disposal_date", allow_null=True
        )
        _fail(
            "offences",
            "disposal_date",
            "disposed of before the offence date (negative duration)",
            disposal_day < offence_day,
        )
    return Offences(
        person, offence_day, recorded_day, code, da, same_victim, disposal_type, disposal_day
    )


def join_people(cohort_ids: pa.Array, offence_ids: pa.Array) -> np.ndarray:
    """Cohort row of each offence's person (-1 if not in the cohort).

    Integer ids in a compact range use a direct lookup array; other integers a sorted
    searchsorted join; text ids Arrow's hash join."""
    if not pa.types.is_integer(cohort_ids.type):
        return _filled(pc.index_in(offence_ids, value_set=cohort_ids), -1).astype(
            np.int64
        )
    ids = _np(cohort_ids)
    wanted = _np(offence_ids)
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo <= 4 * len(ids) + 1024:
        # ids from 0 up index the lookup directly: no shifted copy of 5M offence ids to fault in
        base = 0 if lo >= 0 and hi <= 4 * len(ids) + 1024 else lo
        lookup = np.full(hi - base + 1, -1, dtype=np.int32)
        lookup[ids - base if base else ids] = np.arange(len(ids), dtype=np.int32)
        if len(wanted) == 0 or (wanted.min() >= lo and wanted.max() <= hi):
            return np.take(lookup, wanted - base if base else wanted)
        inside = (wanted >= lo) & (wanted <= hi)
        out = np.full(len(wanted), -1, dtype=np.int32)
        out[inside] = lookup[wanted[inside] - base]
        return out
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.searchsorted(sorted_ids, wanted)
    pos_clipped = np.minimum(pos, len(ids) - 1)
    found = sorted_ids[pos_clipped] == wanted
    return np.where(found, order[pos_clipped], -1).astype(np.int64)


def check_data_end(cohort: Cohort, data_end_day: int) -> None:
    """Index dates after the data end leave no follow-up at all: bad input, not a zero."""
    after = cohort.index_day > data_end_day
    _fail("cohort", "index_date", "index date after the data end date", after)
