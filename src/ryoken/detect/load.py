"""Read event, staff and subjects files (docs/events.md) into Polars frames.

Events: a fast path hands the whole file to Polars' JSON Lines reader and checks the result
column by column (codes, times with a zone, types, detail keys). If anything is off — or
Polars cannot read the file at all — a slow path re-reads it line by line with the ledger's
own `Event` validation, so the error names the line and the rule it broke. A valid file is
never read twice; a bad one is refused whole (or, with `skip_bad`, without its bad lines).

The frame flattens the detail keys detectors read into typed columns (`DETAIL_COLUMNS`);
`line` is the 1-based line number of the event in its file (the evidence reference a case
cites). Staff and subject files are small CSVs read with the csv module; a staff file with a
nationality or other protected-attribute column is refused outright, and other undocumented
columns are dropped unread, so nothing undocumented can steer detection.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ryoken.audit.events import Event, EventCode
from ryoken.domain.staff_files import STAFF_COLUMNS
from ryoken.errors import InvalidInput

CODES = pl.Enum([code.value for code in EventCode])
TOP_KEYS = (
    "code", "at", "actor", "subjects", "fields", "purpose", "grant", "terminal", "details", "v",
)  # fmt: skip
SCHEMA_VERSIONS = (1, 2)  # `v` on a line: absent means 1; v2 is a superset (docs/events.md)
_DETAIL_KEY = re.compile(r"[a-z0-9_][a-z0-9_.\-]{0,63}\Z", re.ASCII)
_HAS_ZONE = r"(Z|[+-]\d{2}:?\d{2})$"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
MAX_REPORTED = 20  # bad lines listed in one error message

# details key -> (column, dtype). Keys not listed here are kept only in the file.
DETAIL_COLUMNS: dict[str, tuple[str, pl.DataType]] = {
    "kind": ("kind", pl.String()),
    "ticket": ("ticket", pl.String()),
    "window": ("window", pl.String()),
    "form": ("form", pl.String()),
    "reason": ("reason", pl.String()),
    "step": ("step", pl.String()),
    "grant_kind": ("grant_kind", pl.String()),
    "result": ("result", pl.String()),
    "job": ("job", pl.String()),
    "print_job": ("print_job", pl.String()),
    "watermark": ("watermark", pl.String()),
    "document": ("document", pl.String()),
    "pages": ("pages", pl.Int64()),
    "grant": ("reviewed_grant", pl.String()),
    "justified": ("justified", pl.Boolean()),
    "added": ("added", pl.Boolean()),
    "unmatched": ("unmatched", pl.Boolean()),
    "direction": ("direction", pl.String()),
    "door": ("door", pl.String()),
    "copier": ("copier", pl.String()),
    "found": ("found", pl.Int64()),
    "why": ("why", pl.String()),
    "action": ("action", pl.String()),
    # schema v2 (docs/events.md, "Version 2")
    "inquiry": ("inquiry", pl.String()),
    "host": ("host", pl.String()),
    "via": ("via", pl.String()),
    "application": ("application", pl.String()),
    "reception": ("reception", pl.String()),
    "callback": ("callback", pl.String()),
    "outcome": ("outcome", pl.String()),
    "queue": ("queue", pl.Boolean()),
    "staff": ("change_staff", pl.String()),
    "change": ("change", pl.String()),
    "on": ("change_on", pl.String()),
    "role": ("change_role", pl.String()),
}

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "code": CODES,
    "at": pl.Datetime("us", "UTC"),
    "actor": pl.String(),
    "subjects": pl.List(pl.String()),
    "fields": pl.List(pl.String()),
    "purpose": pl.String(),
    "grant": pl.String(),
    "terminal": pl.String(),
    **{column: dtype for column, dtype in DETAIL_COLUMNS.values()},
}

STAFF_DATES = ("hired_on", "contract_end", "notice_given_on")
ROLES = frozenset(
    {
        "counter_clerk",
        "issuance_clerk",
        "reviewer",
        "supervisor",
        "privacy_officer",
        "administrator",
        "auditor",
    }
)
EMPLOYER_KINDS = frozenset({"prefecture", "contractor"})
SUBJECT_COLUMNS = (
    "subject_id",
    "family_token",
    "surname_token",
    "area_token",
    "watchlist",
    "canary",
    "canary_window",
    "canary_staff",
)  # v2's optional household_token is accepted and not read (no detector uses it yet)
# Column names (or words in them) that carry a protected attribute. Detection must never see
# one, so a file that has one is refused rather than silently trimmed.
_PROTECTED_WORDS = frozenset(
    {
        "nationality",
        "citizenship",
        "nation",
        "national",
        "ethnicity",
        "ethnic",
        "race",
        "religion",
        "religious",
        "gender",
        "sex",
        "birth",
        "birthdate",
        "birthplace",
        "dob",
        "age",
        "disability",
        "health",
        "union",
        "political",
        "marital",
        "orientation",
        "pregnancy",
        "origin",
    }
)
_PROTECTED_JA = ("国籍", "性別", "生年月日", "出身", "宗教", "人種", "民族", "年齢", "障害")


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


@dataclass(frozen=True)
class Loaded:
    """An events frame and the lines refused on the way (only with `skip_bad`)."""

    events: pl.DataFrame
    bad_lines: tuple[tuple[int, str], ...] = ()


# --- events: the fast path -------------------------------------------------------------


class _NeedsSlowPath(Exception):
    """The fast path saw something it cannot report precisely."""


_TOP_TYPES: dict[str, tuple[type[pl.DataType], ...]] = {
    "code": (pl.String,),
    "at": (pl.String,),
    "actor": (pl.String,),
    "subjects": (pl.List,),
    "fields": (pl.List,),
    "purpose": (pl.String, pl.Null),
    "grant": (pl.String, pl.Null),
    "terminal": (pl.String, pl.Null),
    "details": (pl.Struct, pl.Null),
    "v": (pl.Int64, pl.Null),
}
_DETAIL_TYPES = (pl.String, pl.Int64, pl.Boolean, pl.Null)


def _fast(data: bytes) -> pl.DataFrame:
    if not data.strip():
        return empty_events()
    if b"\n\n" in data or b"\r" in data or b"\n \n" in data or data.startswith(b"\n"):
        raise _NeedsSlowPath  # blank lines would shift row numbers away from line numbers
    try:
        raw = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    except Exception as error:  # Polars' JSON errors have no stable class; any means "look"
        raise _NeedsSlowPath from error
    schema = raw.schema
    if not set(schema).issubset(TOP_KEYS) or not {"code", "at", "actor"} <= set(schema):
        raise _NeedsSlowPath
    for name, dtype in schema.items():
        if not isinstance(dtype, _TOP_TYPES[name]):
            raise _NeedsSlowPath
        if isinstance(dtype, pl.List) and not isinstance(dtype.inner, pl.String | pl.Null):
            raise _NeedsSlowPath
    detail_fields: dict[str, pl.DataType] = {}
    details = schema.get("details")
    if isinstance(details, pl.Struct):
        for fld in details.fields:
            if not _DETAIL_KEY.match(fld.name) or not isinstance(fld.dtype, _DETAIL_TYPES):
                raise _NeedsSlowPath
            detail_fields[fld.name] = fld.dtype
    return _finish(raw, detail_fields)


def _finish(raw: pl.DataFrame, detail_fields: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Typed columns from the raw reader's output; raises _NeedsSlowPath on a bad value."""
    cols: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line")]
    for name in ("code", "at", "actor", "purpose", "grant", "terminal"):
        cols.append(
            pl.col(name).cast(pl.String)
            if name in raw.columns
            else pl.lit(None, pl.String).alias(name)
        )
    for name in ("subjects", "fields"):
        if name in raw.columns:
            cols.append(pl.col(name).cast(pl.List(pl.String)).fill_null([]).alias(name))
        else:
            cols.append(pl.lit([], pl.List(pl.String)).alias(name))
    for key, (column, dtype) in DETAIL_COLUMNS.items():
        if key in detail_fields:
            cols.append(pl.col("details").struct.field(key).cast(dtype, strict=False).alias(column))
        else:
            cols.append(pl.lit(None, dtype).alias(column))
    frame = raw.select(*cols, *([pl.col("v")] if "v" in raw.columns else []))
    bad = frame.select(
        bad_code=pl.col("code").is_null() | ~pl.col("code").is_in(CODES.categories.to_list()),
        bad_at=pl.col("at").is_null() | ~pl.col("at").str.contains(_HAS_ZONE),
        bad_actor=pl.col("actor").is_null() | (pl.col("actor") == ""),
        bad_subjects=pl.col("subjects")
        .list.eval(pl.element().is_null() | (pl.element() == ""))
        .list.any()
        .fill_null(False),
        bad_fields=pl.col("fields")
        .list.eval(pl.element().is_null() | (pl.element() == ""))
        .list.any()
        .fill_null(False),
        bad_grant=pl.col("grant") == "",
        bad_terminal=pl.col("terminal") == "",
        bad_version=(~pl.col("v").is_in(SCHEMA_VERSIONS) if "v" in raw.columns else pl.lit(False)),
    )
    if bad.select(pl.any_horizontal(pl.all().fill_null(False)).any()).item():
        raise _NeedsSlowPath
    at = pl.col("at").str.replace(r"Z$", "+00:00")
    frame = frame.with_columns(
        code=pl.col("code").cast(CODES),
        at=at.str.to_datetime(_TIME_FORMAT, time_zone="UTC", time_unit="us", strict=False),
        purpose=pl.col("purpose").fill_null(""),
    )
    if frame.get_column("at").null_count():
        raise _NeedsSlowPath
    return frame.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


# --- events: the slow, precise path ----------------------------------------------------


def parse_record(text: str) -> dict[str, Any]:
    """One line as a validated record (raises InvalidInput with the rule it broke)."""
    return validate_record(loads_line(text))


def loads_line(text: str) -> Any:
    """One line's JSON, or InvalidInput saying why not. Numbers must be integers, and hostile
    lines are refused like malformed ones: nested too deeply for the parser, or an integer
    longer than Python converts (4,300 digits)."""
    try:
        obj = json.loads(text, parse_constant=_refuse, parse_float=_refuse)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"not valid JSON: {error.msg}") from None
    except RecursionError:
        raise InvalidInput("not valid JSON: nested too deeply") from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise InvalidInput("not valid JSON: holds an integer too long to read") from None
    return obj


def _refuse(text: str) -> Any:
    raise InvalidInput(f"holds a non-integer number {text}")


def validate_record(obj: object) -> dict[str, Any]:
    """A mapping in the docs/events.md shape, checked with the ledger's own rules."""
    if not isinstance(obj, dict):
        raise InvalidInput("is not a JSON object")
    unknown = sorted(set(obj) - set(TOP_KEYS))
    if unknown:
        raise InvalidInput(f"has unknown keys {', '.join(unknown)}")
    for name in ("code", "at", "actor"):
        if name not in obj:
            raise InvalidInput(f"lacks the required key {name!r}")
    if "v" in obj:
        version = obj["v"]
        if isinstance(version, bool) or version not in SCHEMA_VERSIONS:
            raise InvalidInput(f"'v' must be one of {list(SCHEMA_VERSIONS)} (the schema version)")
    at = obj["at"]
    if not isinstance(at, str):
        raise InvalidInput("'at' must be an ISO-8601 string")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(f"'at' {at!r} is not an ISO-8601 time") from None
    if when.tzinfo is None:
        raise InvalidInput(f"'at' {at!r} has no time zone")
    for name in ("subjects", "fields"):
        if name in obj and not isinstance(obj[name], list):
            raise InvalidInput(f"{name!r} must be an array of strings")
    event = Event(
        code=obj["code"],
        at=when,
        actor=obj["actor"],
        subjects=tuple(obj.get("subjects") or ()),
        fields=tuple(obj.get("fields") or ()),
        purpose=obj.get("purpose", ""),
        grant=obj.get("grant"),
        terminal=obj.get("terminal"),
        details=obj.get("details") or {},
    )
    return _row(event)


def _row(event: Event) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": event.code.value,
        "at": event.at.astimezone(UTC),
        "actor": event.actor,
        "subjects": list(event.subjects),
        "fields": list(event.fields),
        "purpose": event.purpose,
        "grant": event.grant,
        "terminal": event.terminal,
    }
    for key, (column, dtype) in DETAIL_COLUMNS.items():
        value = event.details.get(key)
        if value is not None:
            if isinstance(dtype, pl.String):
                value = str(value).lower() if isinstance(value, bool) else str(value)
            elif isinstance(dtype, pl.Int64):
                value = value if isinstance(value, int) and not isinstance(value, bool) else None
            elif isinstance(dtype, pl.Boolean):
                value = value if isinstance(value, bool) else None
        row[column] = value
    return row


_SEP = "\x1f"  # unit separator: joins list items so Polars can split them in one pass


def _list_column(name: str, values: list[list[str]]) -> pl.Series:
    """A List(String) column built by one vectorised split (Python lists of lists are slow)."""
    if any(_SEP in item for items in values for item in items):
        return pl.Series(name, values, dtype=pl.List(pl.String))
    joined = pl.Series(name, [_SEP.join(items) for items in values], dtype=pl.String)
    return (
        joined.to_frame()
        .select(
            pl.when(pl.col(name) == "")
            .then(pl.lit([], pl.List(pl.String)))
            .otherwise(pl.col(name).str.split(_SEP))
            .alias(name)
        )
        .to_series()
    )


def frame_from_rows(rows: list[dict[str, Any]], lines: list[int]) -> pl.DataFrame:
    if not rows:
        return empty_events()
    series = [pl.Series("line", lines, dtype=pl.Int64)]
    for name, dtype in EVENT_SCHEMA.items():
        if name == "line":
            continue
        if name in ("subjects", "fields"):
            series.append(_list_column(name, [row[name] for row in rows]))
            continue
        values = [row.get(name) for row in rows]
        if name == "code":
            series.append(pl.Series(name, values, dtype=pl.String).cast(CODES))
        else:
            series.append(pl.Series(name, values, dtype=dtype))
    return pl.DataFrame(series)


def _slow(text: str, *, skip_bad: bool) -> Loaded:
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(parse_record(line))
            lines.append(number)
        except InvalidInput as error:
            bad.append((number, error.message))
    if bad and not skip_bad:
        shown = "; ".join(f"line {n}: {msg}" for n, msg in bad[:MAX_REPORTED])
        more = f" (and {len(bad) - MAX_REPORTED} more)" if len(bad) > MAX_REPORTED else ""
        raise InvalidInput(
            f"{len(bad)} bad line(s), nothing read: {shown}{more}",
            message_ja=f"不正な行が{len(bad)}行あります（{bad[0][0]}行目など）。読み込みません。",
        )
    return Loaded(frame_from_rows(rows, lines), tuple(bad))


def read_events(data: bytes, *, skip_bad: bool = False) -> Loaded:
    """Events from JSON Lines bytes. Raises InvalidInput naming the bad lines."""
    try:
        return Loaded(_fast(data))
    except _NeedsSlowPath:
        pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInput(f"line {line}: not UTF-8 text, nothing read") from None
    return _slow(text, skip_bad=skip_bad)


def load_events(path: Path, *, skip_bad: bool = False) -> Loaded:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read events file {path}: {error.strerror}") from None
    return read_events(data, skip_bad=skip_bad)


def events_from_records(records: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A frame from in-memory records in the file shape (tests, the simulator, the web)."""
    rows = [validate_record(dict(r)) for r in records]
    return frame_from_rows(rows, list(range(1, len(rows) + 1)))


def events_from_ledger(events: Iterable[Event]) -> pl.DataFrame:
    rows = [_row(e) for e in events]
    return frame_from_rows(rows, list(range(1, len(rows) + 1)))


# --- events: a Parquet file written from an events frame --------------------------------

# Columns of EVENT_SCHEMA that no detector reads (kept in the file; scoring does not need
# them). Reading a 10M-event year without them saves about 160 MB per column: Polars keeps
# a string column as 16-byte views per row, null or not.
UNREAD_COLUMNS = (
    "step", "grant_kind", "result", "document", "door", "copier", "found", "why", "action",
    "application", "reception", "callback", "outcome", "queue",
)  # fmt: skip
DETECT_COLUMNS = tuple(c for c in EVENT_SCHEMA if c not in UNREAD_COLUMNS)


def read_events_parquet(path: Path, *, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """Events from a Parquet file in the EVENT_SCHEMA shape (as `DataFrame.write_parquet`
    writes an events frame), only the named columns (all by default; `DETECT_COLUMNS` for
    scoring). The file is read one column at a time, and a column with no value at all is
    kept as a constant null column, which costs no memory per row (a 10M-event year has
    twenty-odd such detail columns, 160 MB each when read as they are). The frame equals
    `pl.read_parquet(path, columns=...)`."""
    wanted = list(EVENT_SCHEMA) if columns is None else list(columns)
    unknown = [c for c in wanted if c not in EVENT_SCHEMA]
    if unknown:
        raise InvalidInput(f"not event columns: {', '.join(unknown)}")
    try:
        scan = pl.scan_parquet(path)
        schema = scan.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as error:
        raise InvalidInput(f"cannot read events file {path}: {error}") from None
    wrong = [c for c in wanted if c not in schema or schema[c] != EVENT_SCHEMA[c]]
    if wrong or set(schema) - set(EVENT_SCHEMA):
        raise InvalidInput(
            f"{path} is not an events frame (docs/events.md schema): "
            f"columns {', '.join(sorted(set(wrong) | (set(schema) - set(EVENT_SCHEMA))))}"
        )
    height = scan.select(pl.len()).collect().item()
    read: list[pl.Series] = []
    for name in wanted:
        column = scan.select(name).collect().get_column(name)
        if height and column.null_count() == height:
            empty = pl.repeat(None, height, dtype=EVENT_SCHEMA[name]).alias(name)
            column = pl.select(empty).get_column(name)
        # one chunk per column: a frame whose columns are chunked alike (one row group per
        # chunk) and a constant column would be split into chunks by the first operation
        # that aligns them, which writes the constant out row by row after all
        read.append(column.rechunk())
    return pl.DataFrame(read)


# --- staff and subjects -----------------------------------------------------------------


def _protected(column: str) -> bool:
    words = set(re.split(r"[^a-z0-9]+", column.lower()))
    return bool(words & _PROTECTED_WORDS) or any(word in column for word in _PROTECTED_JA)


def _csv_rows(text: str, what: str, known: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InvalidInput(f"the {what} file is empty; it needs the header {','.join(known)}")
    protected = [h for h in header if _protected(h)]
    if protected:
        raise InvalidInput(
            f"the {what} file has the column(s) {', '.join(protected)}: detection never uses "
            "nationality or any other protected attribute; remove the column(s)",
            message_ja="国籍などの保護される属性の列があるため、このファイルは使えません。",
        )
    reader.fieldnames = header
    if known[0] not in header:
        raise InvalidInput(f"the {what} file lacks the column {known[0]}")
    out = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise InvalidInput(f"{what} file line {line}: more values than header columns")
        out.append((line, {k: (row.get(k) or "").strip() for k in known}))
    return out


def _iso_date(text: str, what: str, line: int, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} file line {line}: {column} {text!r} is not a date") from None


def read_staff(text: str) -> pl.DataFrame:
    """The staff CSV; refuses protected-attribute columns and bad values with line numbers."""
    columns: dict[str, list[Any]] = {c: [] for c in STAFF_COLUMNS}
    seen: set[str] = set()
    for line, row in _csv_rows(text, "staff", STAFF_COLUMNS):
        sid = row["staff_id"]
        if not sid:
            raise InvalidInput(f"staff file line {line}: staff_id is empty")
        if sid in seen:
            raise InvalidInput(f"staff file line {line}: staff_id {sid} appears twice")
        seen.add(sid)
        if row["role"] and row["role"] not in ROLES:
            raise InvalidInput(f"staff file line {line}: unknown role {row['role']!r}")
        if row["employer_kind"] and row["employer_kind"] not in EMPLOYER_KINDS:
            raise InvalidInput(
                f"staff file line {line}: employer_kind must be prefecture or contractor"
            )
        for c in STAFF_COLUMNS:
            value: Any = row[c]
            if c in STAFF_DATES:
                value = _iso_date(value, "staff", line, c)
            columns[c].append(value if value != "" else None)
    schema = {c: (pl.Date() if c in STAFF_DATES else pl.String()) for c in STAFF_COLUMNS}
    return pl.DataFrame(columns, schema=schema)


def _flag(text: str, line: int, column: str) -> bool:
    if text in ("", "0", "false", "False"):
        return False
    if text in ("1", "true", "True"):
        return True
    raise InvalidInput(f"subjects file line {line}: {column} must be 0 or 1, not {text!r}")


def read_subjects(text: str) -> pl.DataFrame:
    columns: dict[str, list[Any]] = {c: [] for c in SUBJECT_COLUMNS}
    for line, row in _csv_rows(text, "subjects", SUBJECT_COLUMNS):
        if not row["subject_id"]:
            raise InvalidInput(f"subjects file line {line}: subject_id is empty")
        for c in SUBJECT_COLUMNS:
            value: Any = row[c]
            if c in ("watchlist", "canary"):
                value = _flag(value, line, c)
            columns[c].append(value if value != "" else None)
    schema = {
        c: (pl.Boolean() if c in ("watchlist", "canary") else pl.String()) for c in SUBJECT_COLUMNS
    }
    return pl.DataFrame(columns, schema=schema).unique(
        "subject_id", keep="first", maintain_order=True
    )


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read {what} file {path}: {error}") from None


def load_staff(path: Path) -> pl.DataFrame:
    return read_staff(_read_text(path, "staff"))


def load_subjects(path: Path) -> pl.DataFrame:
    return read_subjects(_read_text(path, "subjects"))


STAFF_CHANGES = {"hired": "hired_on", "notice": "notice_given_on", "contract_end": "contract_end"}


def apply_staff_changes(staff: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The staff frame with `staff.change` events (schema v2) folded in: `hired`, `notice`,
    `contract_end` and `left` set the dates, `role` the role; the latest event wins, and a
    staff member known only from the events gets a row. A change with a bad date is ignored
    (the event itself was valid; the staff file stays the authority)."""
    if "change" not in events.columns:
        return staff
    changes = (
        events.lazy()
        .filter((pl.col("code") == "staff.change") & pl.col("change_staff").is_not_null())
        .select(
            "at",
            staff_id="change_staff",
            change="change",
            on=pl.col("change_on").str.to_date("%Y-%m-%d", strict=False),
            role="change_role",
        )
        .sort("at")
        .collect()
    )
    if changes.is_empty():
        return staff
    out = staff
    missing = changes.select("staff_id").unique().join(staff.select("staff_id"), on="staff_id",
                                                       how="anti")  # fmt: skip
    if missing.height:
        extra = missing.with_columns(
            [pl.lit(None, staff.schema[c]).alias(c) for c in STAFF_COLUMNS if c != "staff_id"]
        ).select(STAFF_COLUMNS)
        out = pl.concat([out, extra.cast(staff.schema)])
    latest = changes.group_by("staff_id", "change").agg(
        on=pl.col("on").drop_nulls().last(), role=pl.col("role").drop_nulls().last()
    )
    for change, column in (*STAFF_CHANGES.items(), ("left", "contract_end")):
        part = latest.filter(pl.col("change") == change).select("staff_id", new="on").drop_nulls()
        if part.height:
            out = (
                out.join(part, on="staff_id", how="left")
                .with_columns(pl.coalesce("new", column).alias(column))
                .drop("new")
            )
    roles = latest.filter(pl.col("change") == "role").select("staff_id", new="role").drop_nulls()
    roles = roles.filter(pl.col("new").is_in(list(ROLES)))
    if roles.height:
        out = (
            out.join(roles, on="staff_id", how="left")
            .with_columns(role=pl.coalesce("new", "role"))
            .drop("new")
        )
    return out.select(STAFF_COLUMNS)


def empty_staff() -> pl.DataFrame:
    return read_staff(",".join(STAFF_COLUMNS) + "\n")


def empty_subjects() -> pl.DataFrame:
    return read_subjects(",".join(SUBJECT_COLUMNS) + "\n")
