"""Incident figures: scoping a suspect's slice of the ledger, and the mail-merge PDF.

Scoping (issue 6: under 1 second on a ledger of 10 million events): the web layer reads the
suspect's slice through an (actor, at) index, so what `ryoken.incident.scope.scope` has to
be fast over is that slice. A clerk over three years at a busy window (~1,300 events a
working day) is about 1 million events; the slice is generated directly as a Polars frame
in the docs/events.md schema (disclosures, matches, grants, tickets, prints, copier jobs).
Baseline: a row-by-row Python pass over the same slice that collects the same
(subject, field) set with first/last times, without prints, copier links or masking.

Mail merge: 1,920 notices (the incident's number of people) in one PDF, Noto Sans CJK JP
embedded (decision 0040), next to the same PDF with ReportLab's built-in CID font (no
embedding, no font conversion).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from bench.common import Row, machine, report
from ryoken.incident.documents import (
    Addressee,
    IncidentFacts,
    Office,
    build_notices,
    notices_printable,
)
from ryoken.incident.scope import Period, scope
from ryoken.web.documents.pdf import render_document

SLICE = 1_000_000
SUBJECTS = 40_000
FIELD_SETS = [
    ["name_kanji", "name_kana", "name_romaji", "sex", "birth_date"],
    ["address", "postcode"],
    ["phone", "mobile"],
    ["koseki_image"],
    ["face_photo"],
    ["birth_date"],
    ["passport_number"],
]


def slice_frame(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    codes = rng.choice(
        [
            "disclosure",
            "match",
            "grant.open",
            "ticket.call",
            "grant.close",
            "print",
            "external.copier",
        ],
        size=n,
        p=[0.62, 0.12, 0.08, 0.08, 0.0995, 0.0003, 0.0002],
    )
    subjects = np.array([f"ds_{i:016x}" for i in range(SUBJECTS)])[rng.integers(0, SUBJECTS, n)]
    start = datetime(2020, 5, 1, tzinfo=UTC)
    micros = np.sort(rng.integers(0, 3 * 365 * 86_400 * 1_000_000, n))
    field_index = rng.integers(0, len(FIELD_SETS), n)
    masked = rng.random(n) < 0.3
    details = np.where(
        codes == "print",
        '{"job":"pj","document":"receipt"}',
        np.where(masked, '{"form":"masked","step":"intake"}', '{"form":"shown","step":"intake"}'),
    )
    return pl.DataFrame(
        {
            "seq": np.arange(n, dtype=np.int64) * 7,
            "code": codes,
            "at": pl.Series(micros).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            + (start - datetime(1970, 1, 1, tzinfo=UTC)),
            "actor": ["counter7"] * n,
            "subjects": pl.Series(subjects).to_frame("s").select(pl.concat_list("s")).to_series(),
            "fields": [FIELD_SETS[i] for i in field_index],
            "terminal": ["W07"] * n,
            "details": details,
        }
    )


def naive(frame: pl.DataFrame) -> int:
    seen: dict[tuple[str, str], list[datetime]] = {}
    for code, at, subjects, fields in frame.select("code", "at", "subjects", "fields").iter_rows():
        if code not in ("disclosure", "match"):
            continue
        for s in subjects:
            for f in fields:
                span = seen.get((s, f))
                if span is None:
                    seen[(s, f)] = [at, at]
                else:
                    span[0], span[1] = min(span[0], at), max(span[1], at)
    return len({s for s, _ in seen})


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    print(machine())
    frame = slice_frame(SLICE)
    period = Period(datetime(2020, 5, 1, tzinfo=UTC), datetime(2023, 5, 1, tzinfo=UTC))
    scope(frame.head(1000), "counter7", period)  # warm Polars up
    ours, result = timed(lambda: scope(frame, "counter7", period))
    base, persons = timed(lambda: naive(frame), repeat=1)
    assert result.persons >= persons  # type: ignore[attr-defined]
    rows = [
        Row(
            "scope a 1M-event slice (40,000 people)",
            ours * 1000,
            "Python row loop",
            base * 1000,
            "ms",
            "< 1,000 ms",
        )
    ]
    built, _ = timed(lambda: len(scope(frame, "counter7", period).subjects), repeat=1)
    rows.append(
        Row(
            "same, and build every per-person object",
            built * 1000,
            "Python row loop",
            base * 1000,
            "ms",
        )
    )
    office = Office("旅券課", "知事", "お問い合わせ窓口", "03-0000-0000", "平日9時から17時")
    facts = IncidentFacts(
        office, date(2023, 5, 15), "概要", "原因", "二次被害", "対応", "公表", "再発防止", "その他"
    )
    scoped = scope(frame.head(200_000), "counter7", period)
    subjects = [s.subject for s in scoped.subjects][:1920]
    kanji = "佐藤鈴木高橋田中渡辺伊藤山本中村小林加藤吉田山田佐々木山口松本井上木村林清水"

    def _name(i: int) -> str:
        k = len(kanji)
        return f"{kanji[i % k]}{kanji[(i * 7) % k]} {kanji[(i * 13) % k]}子"

    names = {
        s: Addressee(
            _name(i), "170-0013", f"東京都豊島区東池袋{i % 9 + 1}-{i % 30 + 1}-{i % 17 + 1}"
        )
        for i, s in enumerate(subjects)
    }
    notices = build_notices(scoped, facts, names.get, prepared_on=date(2023, 11, 24))
    printable = notices_printable(notices)
    embedded, _ = timed(lambda: render_document(printable), repeat=1)
    cid, _ = timed(lambda: render_document(printable, embed_font=False), repeat=1)
    label = f"{len(notices.notices):,} notices, one PDF (Noto embedded)"
    rows.append(Row(label, embedded, "CID font", cid, "s"))
    report("Incident: scoping and notices", rows)


if __name__ == "__main__":
    main()
