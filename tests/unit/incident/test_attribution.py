from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

import polars as pl
import pytest

from ryoken.audit.events import Event, EventCode
from ryoken.errors import InvalidInput
from ryoken.incident.attribution import (
    AgentKind,
    Canary,
    ExposureTable,
    Weighting,
    attribute,
    estimate_p,
)
from ryoken.incident.exposures import exposures
from ryoken.incident.leaks import (
    Candidate,
    LeakedRow,
    RowMatch,
    RowStatus,
    Strength,
    TokenIndex,
    TokenMatcher,
    match_rows,
    read_leaked_csv,
)
from ryoken.privacy.blind_index import BlindIndexer

INTAKE = ("name_kanji", "name_kana", "birth_date", "address", "phone")
PICKUP = ("name_kanji", "birth_date", "face_photo")
ROW_KINDS = MappingProxyType({"name_kana": "x", "birth_date": "y", "phone": "z"})


def resolved(number: int, subject: str | None, kinds=ROW_KINDS) -> RowMatch:
    row = LeakedRow(number, kinds)
    if subject is None:
        return RowMatch(row, RowStatus.UNMATCHED, (), None)
    return RowMatch(
        row, RowStatus.RESOLVED, (Candidate(subject, Strength.STRONG, row.kinds),), subject
    )


def synthetic_office(
    rng: random.Random, *, clerks: int = 20, per_clerk: int = 100, reviewers: float = 0.0
) -> tuple[ExposureTable, dict[str, list[str]]]:
    """Each clerk serves its own subjects at intake (disjoint sets); every subject is also
    handed over at pickup by another clerk (overlapping sets). With `reviewers`, one reviewer
    sees that share of all subjects' intake fields."""
    cols: dict[str, list[str | None]] = {k: [] for k in ("subject", "field", "actor", "terminal")}
    served: dict[str, list[str]] = {}

    def add(subject: str, fields: tuple[str, ...], actor: str, terminal: str | None) -> None:
        for name in fields:
            cols["subject"].append(subject)
            cols["field"].append(name)
            cols["actor"].append(actor)
            cols["terminal"].append(terminal)

    for c in range(clerks):
        clerk = f"clerk{c:02d}"
        for k in range(per_clerk):
            subject = f"ds_{c:02d}{k:04d}"
            served.setdefault(clerk, []).append(subject)
            add(subject, INTAKE, clerk, f"W{c:02d}")
            other = rng.choice([o for o in range(clerks) if o != c])
            add(subject, PICKUP, f"clerk{other:02d}", f"W{other:02d}")
            if reviewers and rng.random() < reviewers:
                add(subject, INTAKE, "reviewer", None)
    frame = pl.DataFrame(cols, schema={k: pl.String for k in cols}).with_columns(
        pl.lit(None, dtype=pl.String).alias("job")
    )
    return ExposureTable(frame), served


def leak_trial(
    rng: random.Random,
    table: ExposureTable,
    served: dict[str, list[str]],
    *,
    outsiders_in_office: bool,
    weighting: Weighting,
) -> tuple[str, str]:
    source = rng.choice(sorted(served))
    taken = rng.sample(served[source], 7)
    others = [s for clerk, subjects in served.items() if clerk != source for s in subjects]
    outsiders = rng.sample(others, 3) if outsiders_in_office else [None, None, None]
    items = taken + outsiders
    rng.shuffle(items)
    result = attribute(
        [resolved(i + 1, s) for i, s in enumerate(items)], table, weighting=weighting
    )
    return source, result.staff[0].agent


@pytest.mark.parametrize("weighting", list(Weighting))
def test_it_names_the_source_of_7_records_among_10_in_at_least_95_percent_of_trials(
    weighting: Weighting,
) -> None:
    """20 clerks serving disjoint sets at intake and overlapping ones at pickup; the leaked
    list is 7 of one clerk's records and 3 from elsewhere. 200 seeded trials."""
    right = 0
    for office_seed in range(10):
        rng = random.Random(office_seed)
        table, served = synthetic_office(rng)
        for _ in range(20):
            source, named = leak_trial(
                rng, table, served, outsiders_in_office=False, weighting=weighting
            )
            right += source == named
    assert right / 200 >= 0.95


@pytest.mark.parametrize("weighting", list(Weighting))
def test_it_still_names_the_source_when_the_outsiders_are_other_clerks_subjects(
    weighting: Weighting,
) -> None:
    right = 0
    for office_seed in range(10):
        rng = random.Random(100 + office_seed)
        table, served = synthetic_office(rng)
        for _ in range(20):
            source, named = leak_trial(
                rng, table, served, outsiders_in_office=True, weighting=weighting
            )
            right += source == named
    assert right / 200 >= 0.95


def test_it_names_the_clerk_over_a_reviewer_who_saw_everyone_with_specificity_weighting() -> None:
    """Outsiders who are other clerks' subjects make an all-seeing reviewer explain more of
    the list than the source: the paper's ranking then names the reviewer, the specificity
    weighting the clerk (the trade-off the module docstring measures)."""
    rng = random.Random(5)
    table, served = synthetic_office(rng, reviewers=1.0)
    uniform_named, specific_named, trials = 0, 0, 40
    for _ in range(trials):
        seed = rng.random()
        source, named = leak_trial(
            random.Random(seed),
            table,
            served,
            outsiders_in_office=True,
            weighting=Weighting.SPECIFICITY,
        )
        specific_named += source == named
        source, named = leak_trial(
            random.Random(seed),
            table,
            served,
            outsiders_in_office=True,
            weighting=Weighting.UNIFORM,
        )
        uniform_named += named == "reviewer"
    assert specific_named == trials
    assert uniform_named == trials


def test_it_breaks_a_tie_with_an_all_seeing_reviewer_by_specificity() -> None:
    rng = random.Random(6)
    table, served = synthetic_office(rng, reviewers=1.0)
    for _ in range(20):
        source, named = leak_trial(
            rng, table, served, outsiders_in_office=False, weighting=Weighting.UNIFORM
        )
        assert named == source


def test_it_computes_the_papers_formula_exactly() -> None:
    table = ExposureTable.from_rows(
        [
            *({"subject": t, "field": f, "actor": "a1"} for t in ("t1", "t2") for f in INTAKE),
            *({"subject": "t1", "field": f, "actor": "a2"} for f in INTAKE),
        ]
    )
    result = attribute(
        [resolved(1, "t1"), resolved(2, "t2")], table, p=0.2, weighting=Weighting.UNIFORM
    )
    by_agent = {s.agent: s for s in result.staff}
    # Pr{G1|S} = 1 - (1 - 0.8/2)(1 - 0.8/1); Pr{G2|S} = 1 - (1 - 0.8/2)
    assert by_agent["a1"].probability == pytest.approx(1 - 0.6 * 0.2)
    assert by_agent["a2"].probability == pytest.approx(0.4)
    assert by_agent["a1"].uniform_probability == pytest.approx(0.88)
    assert [s.agent for s in result.staff] == ["a1", "a2"]
    assert by_agent["a1"].leaked_received == 2
    t1 = next(e for e in by_agent["a1"].evidence if e.subject == "t1")
    assert (t1.rows, t1.recipients) == ((1,), 2)


def test_it_treats_a_canary_hit_as_decisive() -> None:
    rng = random.Random(3)
    _, served = synthetic_office(rng)
    busiest = served["clerk01"][:6]
    canary_rows = [
        {"subject": "ds_CANARY", "field": f, "actor": "clerk07", "terminal": "W07"} for f in INTAKE
    ]
    frame = pl.concat(
        [
            intake_frame(served),
            pl.DataFrame(canary_rows).with_columns(pl.lit(None, dtype=pl.String).alias("job")),
        ],
        how="diagonal_relaxed",
    )
    result = attribute(
        [resolved(i + 1, s) for i, s in enumerate([*busiest, "ds_CANARY"])],
        ExposureTable(frame),
        canaries=[Canary("ds_CANARY", staff="clerk07", window="W07")],
    )
    top = result.staff[0]
    assert (top.agent, top.probability, top.canary_hits) == ("clerk07", 1.0, ("ds_CANARY",))
    assert result.staff[1].agent == "clerk01"
    assert result.windows[0].agent == "W07" and result.windows[0].decisive


def intake_frame(served: dict[str, list[str]]) -> pl.DataFrame:
    rows = []
    for clerk, subjects in served.items():
        for s in subjects:
            rows += [
                {"subject": s, "field": f, "actor": clerk, "terminal": "W" + clerk[-2:]}
                for f in INTAKE
            ]
    return pl.DataFrame(rows)


def test_it_counts_only_agents_that_saw_what_the_row_shows() -> None:
    rows = [
        *({"subject": "t1", "field": f, "actor": "intake"} for f in INTAKE),
        *({"subject": "t1", "field": f, "actor": "pickup"} for f in PICKUP),
    ]
    table = ExposureTable.from_rows(rows)
    with_phone = attribute([resolved(1, "t1")], table, p=0.0)
    assert [s.agent for s in with_phone.staff] == ["intake"]
    assert with_phone.staff[0].evidence[0].recipients == 1
    name_only = attribute([resolved(1, "t1", MappingProxyType({"name_kanji": "x"}))], table, p=0.0)
    assert {s.agent for s in name_only.staff} == {"intake", "pickup"}
    blind = attribute([resolved(1, "t1")], table, p=0.0, field_aware=False)
    assert {s.agent for s in blind.staff} == {"intake", "pickup"}


def test_it_estimates_p_from_the_rows_that_name_nobody_in_the_office() -> None:
    weak = RowMatch(
        LeakedRow(8, ROW_KINDS),
        RowStatus.WEAK,
        (Candidate("t0", Strength.WEAK, ("name_kana",)),),
        None,
    )
    matches = [
        *(resolved(i, f"t{i}") for i in range(7)),
        weak,
        resolved(9, None),
        resolved(10, None),
    ]
    assert estimate_p(matches) == pytest.approx(0.3)
    assert estimate_p([resolved(1, "t1")]) == 0.01
    assert estimate_p([resolved(1, None)]) == 0.9
    with pytest.raises(InvalidInput):
        estimate_p([])
    with pytest.raises(InvalidInput):
        attribute(matches, ExposureTable.from_rows([]), p=1.0)


T0 = datetime(2022, 5, 9, 9, 0, tzinfo=timezone(timedelta(hours=9)))


def test_it_goes_from_ledger_events_and_a_leaked_csv_to_the_insider_window_and_print_job() -> None:
    indexer = BlindIndexer(b"i" * 32)
    people = {
        f"ds_{n:02d}": {
            "name_kana": f"タナカ{'アイウエオカキクケコ'[n % 10]}{'サシスセソ'[n // 10]}",
            "birth_date": f"1980-01-{n + 1:02d}",
            "phone": f"090-0000-{n:04d}",
        }
        for n in range(30)
    }
    tokens = {
        s: {k: indexer.tokens_for(k, v) for k, v in values.items()} for s, values in people.items()
    }
    events = []
    for n in range(30):
        clerk, window = ("insider", "W03") if n < 10 else (f"clerk{n % 3}", f"W1{n % 3}")
        events.append(
            Event(
                EventCode.DISCLOSURE,
                T0 + timedelta(minutes=n),
                clerk,
                (f"ds_{n:02d}",),
                ("name_kana", "birth_date", "phone"),
                terminal=window,
            )
        )
    events.append(
        Event(
            EventCode.PRINT,
            T0 + timedelta(hours=2),
            "insider",
            ("ds_01", "ds_02"),
            terminal="W03",
            details={"job": "pj_1", "document": "application_form"},
        )
    )
    table = ExposureTable(
        exposures(
            events, documents={"application_form": ("name_kana", "birth_date", "phone")}
        ).frame
    )
    lines = ["フリガナ,生年月日,電話番号"]
    lines += [
        f"{people[f'ds_{n:02d}']['name_kana']},{people[f'ds_{n:02d}']['birth_date']},"
        f"{people[f'ds_{n:02d}']['phone']}"
        for n in (1, 2, 3, 4, 5, 6, 7)
    ]
    lines += ["ヤマダハナコ,1970-05-05,03-9999-9999", "スズキ,1960-01-01,", "サトウ,,0120-000-000"]
    matches = match_rows(
        read_leaked_csv("\n".join(lines)), TokenMatcher(indexer, TokenIndex(tokens))
    )
    result = attribute(matches, table)
    assert result.unmatched_rows == (8, 9, 10)
    assert result.p == pytest.approx(0.3) and result.p_estimated
    assert result.staff[0].agent == "insider"
    assert result.staff[0].leaked_received == 7
    assert result.staff[0].evidence[0].first_at == T0 + timedelta(minutes=1)
    assert result.ranking(AgentKind.WINDOW)[0].agent == "W03"
    assert result.print_jobs[0].agent == "pj_1"


def _with_canary(
    served: dict[str, list[str]], touches: list[tuple[str, str | None]]
) -> pl.DataFrame:
    rows = [
        {"subject": "ds_CANARY", "field": f, "actor": actor, "terminal": terminal}
        for actor, terminal in touches
        for f in INTAKE
    ]
    return pl.concat(
        [
            intake_frame(served).with_columns(pl.lit(None, dtype=pl.String).alias("job")),
            pl.DataFrame(
                rows, schema=dict.fromkeys(("subject", "field", "actor", "terminal"), pl.String)
            ),
        ],
        how="diagonal_relaxed",
    )


def test_a_canary_planted_at_a_window_names_the_clerk_who_received_it_there() -> None:
    _, served = synthetic_office(random.Random(3))
    frame = _with_canary(served, [("clerk07", "W07")])
    result = attribute(
        [resolved(i + 1, s) for i, s in enumerate([*served["clerk01"][:6], "ds_CANARY"])],
        ExposureTable(frame),
        canaries=[Canary("ds_CANARY", window="W07")],
    )
    assert result.staff[0].agent == "clerk07" and result.staff[0].decisive
    assert result.windows[0].agent == "W07" and result.windows[0].decisive
    assert result.canaries_off_path == ()


def test_a_canary_someone_touched_off_its_path_decides_nothing() -> None:
    _, served = synthetic_office(random.Random(3))
    # clerk03 opened the canary from the back office (no window): a canary touch
    frame = _with_canary(served, [("clerk07", "W07"), ("clerk03", None)])
    for canary in (Canary("ds_CANARY", window="W07"), Canary("ds_CANARY", staff="clerk07")):
        result = attribute(
            [resolved(i + 1, s) for i, s in enumerate([*served["clerk01"][:6], "ds_CANARY"])],
            ExposureTable(frame),
            canaries=[canary],
        )
        assert not any(s.decisive for s in (*result.staff, *result.windows))
        assert result.canaries_off_path == (("ds_CANARY", ("clerk03",)),)
        assert result.staff[0].agent == "clerk01"  # the model's ranking stands
