from __future__ import annotations

from datetime import timedelta

import polars as pl

from ryoken.detect.config import DetectConfig
from ryoken.detect.explain import explain, prepare

from .logs import MONDAY, OfficeLog, at

CONFIG = DetectConfig()


def status_of(log: OfficeLog) -> dict[int, str]:
    ex = explain(prepare(log.frame(), CONFIG), CONFIG)
    return dict(zip(ex.access["line"].to_list(), ex.access["status"].to_list(), strict=True))


def test_it_explains_reads_during_the_ticket_and_not_after_it_closes(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    during = log.disclose("c1", at(MONDAY, 9, 5), "ds_a", grant=grant)
    log.close_grant("c1", at(MONDAY, 9, 10), grant)
    after = log.disclose("c1", at(MONDAY, 9, 30), "ds_a", grant=grant)
    status = status_of(log)
    assert status[during] == "explained"
    assert status[after] == "no_grant"


def test_it_does_not_let_one_clerks_ticket_explain_a_colleagues_read(log: OfficeLog) -> None:
    log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    colleague = log.disclose("c2", at(MONDAY, 9, 2), "ds_a", window="W02")
    assert status_of(log)[colleague] == "no_grant"


def test_it_explains_a_clerk_covering_another_window(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 11), ["ds_b"], window="W05", ticket="B-007")
    read = log.disclose("c1", at(MONDAY, 11, 1), "ds_b", grant=grant, window="W05")
    assert status_of(log)[read] == "explained"


def test_it_explains_family_put_on_the_grant_from_the_moment_they_were_added(
    log: OfficeLog,
) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_parent"])
    early = log.disclose("c1", at(MONDAY, 9, 1), "ds_child", grant=grant)
    log.add(
        "grant.open", at(MONDAY, 9, 2), "c1", ["ds_child"], grant=grant, kind="counter",
        ticket="A-001", added=True,
    )  # fmt: skip
    later = log.disclose("c1", at(MONDAY, 9, 3), "ds_child", grant=grant)
    other = log.disclose("c1", at(MONDAY, 9, 3), "ds_cousin", grant=grant)
    status = status_of(log)
    assert (status[early], status[later], status[other]) == ("no_grant", "explained", "no_grant")


def test_it_explains_a_break_glass_only_once_a_supervisor_judged_it_justified(
    log: OfficeLog,
) -> None:
    reads = {}
    for person, verdict in (("ds_ok", True), ("ds_no", False), ("ds_wait", None)):
        grant = log.open_grant("c1", at(MONDAY, 14), [person], kind="break_glass", window=None)
        reads[person] = log.disclose("c1", at(MONDAY, 14, 2), person, grant=grant, window=None)
        if verdict is not None:
            log.add(
                "breakglass.review", at(MONDAY, 16), "sup1", [person], grant=grant,
                justified=verdict, note="確認",
            )  # fmt: skip
    status = status_of(log)
    assert status[reads["ds_ok"]] == "explained"
    assert status[reads["ds_no"]] == "break_glass_unjustified"
    assert status[reads["ds_wait"]] == "break_glass_pending"


def test_it_explains_supervisor_qa_and_assigned_reviews(log: OfficeLog) -> None:
    qa = log.open_grant("sup1", at(MONDAY, 10), ["ds_a"], kind="qa", window=None)
    review = log.open_grant("rv1", at(MONDAY, 10), ["ds_b"], kind="review", window=None)
    r1 = log.disclose("sup1", at(MONDAY, 10, 30), "ds_a", grant=qa, window=None, step="qa")
    r2 = log.disclose("rv1", at(MONDAY, 13), "ds_b", grant=review, window=None, step="review")
    status = status_of(log)
    assert status[r1] == status[r2] == "explained"


def test_it_ends_a_grant_without_a_close_when_its_kind_runs_out(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    inside = log.disclose("c1", at(MONDAY, 9, 59), "ds_a", grant=grant)
    outside = log.disclose("c1", at(MONDAY, 10, 1), "ds_a", grant=grant)
    status = status_of(log)
    assert (status[inside], status[outside]) == ("explained", "no_grant")


def test_it_does_not_explain_a_counter_grant_without_a_ticket(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"], ticket=None)
    read = log.disclose("c1", at(MONDAY, 9, 1), "ds_a", grant=grant)
    assert status_of(log)[read] == "counter_without_ticket"


def copier_lines(log: OfficeLog) -> list[int]:
    return [i + 1 for i, r in enumerate(log.records) if r["code"] == "external.copier"]


def test_it_explains_copier_jobs_by_the_watermark_of_a_declared_job(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    log.print_job("c1", at(MONDAY, 9, 2), ["ds_a"], grant=grant)
    log.add("external.copier", at(MONDAY, 9, 4), "c1", terminal="MFP1", pages=5, kind="copy",
            unmatched=True)  # fmt: skip
    log.add("external.copier", at(MONDAY, 9, 5), "c2", terminal="MFP1", pages=1, kind="copy",
            watermark=log.records[1]["details"]["watermark"])  # fmt: skip
    status = status_of(log)
    matched, unmatched, borrowed = copier_lines(log)
    assert status[matched] == "explained"
    assert status[unmatched] == "copier_unmatched"
    assert status[borrowed] == "copier_other_staff"


def test_it_explains_a_printer_jam_reprint_and_counts_only_the_extra_pages(
    log: OfficeLog,
) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    log.print_job("c1", at(MONDAY, 9, 2), ["ds_a"], grant=grant, pages=3, copier_runs=2)
    ex = explain(prepare(log.frame(), CONFIG), CONFIG)
    copier = ex.access.filter(pl.col("code") == "external.copier")
    assert copier["explained"].all()
    assert copier["undeclared_pages"].to_list() == [0, 3]


def test_it_reports_the_explained_share_by_count(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a"], reveals=2, prints=1)
    log.disclose("c1", at(MONDAY, 12), "ds_stranger")
    ex = explain(prepare(log.frame(), CONFIG), CONFIG)
    assert ex.total == ex.explained + 1
    assert 0.8 < ex.share < 1.0
    assert ex.by_status()["no_grant"] == 1


def test_it_tolerates_clock_skew_of_a_few_seconds_only(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    log.close_grant("c1", at(MONDAY, 9, 10), grant)
    skewed = log.disclose("c1", at(MONDAY, 9, 10) + timedelta(seconds=3), "ds_a", grant=grant)
    late = log.disclose("c1", at(MONDAY, 9, 10) + timedelta(seconds=30), "ds_a", grant=grant)
    status = status_of(log)
    assert (status[skewed], status[late]) == ("explained", "no_grant")


def search(log: OfficeLog, staff: str, when: object, found: list[str], **kw: object) -> int:
    return log.add("search", when, staff, found, kinds="name_kana+birth_date", **kw)  # type: ignore[arg-type]


def test_it_explains_the_loss_reports_holder_search_under_its_own_ticket(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 10), [], step="loss_report", ticket="L-001")
    holder = search(log, "c1", at(MONDAY, 10, 2), ["ds_h"], purpose="loss_report:find_holder",
                    grant=grant, terminal="W01")  # fmt: skip
    assert status_of(log)[holder] == "explained"


def test_it_does_not_explain_a_search_that_lists_too_many_or_runs_outside_the_task(
    log: OfficeLog,
) -> None:
    loss = log.open_grant("c1", at(MONDAY, 10), [], step="loss_report", ticket="L-001")
    log.close_grant("c1", at(MONDAY, 10, 20), loss)
    many = search(log, "c1", at(MONDAY, 10, 3), [f"ds_{i}" for i in range(21)],
                  purpose="loss_report:find_holder", grant=loss)  # fmt: skip
    closed = search(log, "c1", at(MONDAY, 10, 40), ["ds_h"], purpose="loss_report:find_holder",
                    grant=loss)  # fmt: skip
    colleague = search(log, "c2", at(MONDAY, 10, 5), ["ds_h"], purpose="loss_report:find_holder",
                       grant=loss)  # fmt: skip
    outside = search(log, "c1", at(MONDAY, 10, 6), ["ds_h"], purpose="search")
    status = status_of(log)
    assert {status[x] for x in (many, closed, colleague, outside)} == {"no_grant"}


def test_it_explains_a_result_list_made_under_any_open_task_of_the_searcher(
    log: OfficeLog,
) -> None:
    """Schema v2: renewal lookups, duplicate checks and pickup lookups list namesakes; the
    list is explained by the task that searched (it changed on purpose from v1, where only
    the loss report's holder search was)."""
    intake = log.open_grant("c1", at(MONDAY, 11), ["ds_a"], step="intake", ticket="A-002")
    review = log.open_grant("r1", at(MONDAY, 11), ["ds_b"], kind="review", step="review")
    renewal = search(log, "c1", at(MONDAY, 11, 2), ["ds_a", "ds_n1", "ds_n2"], grant=intake,
                     purpose="intake", kind="renewal_lookup", reason="renewal")  # fmt: skip
    dup = search(log, "r1", at(MONDAY, 11, 3), ["ds_b", "ds_n3"], grant=review,
                 kind="duplicate_check")  # fmt: skip
    status = status_of(log)
    assert (status[renewal], status[dup]) == ("explained", "explained")


def test_it_explains_an_assistants_reads_while_the_host_task_is_open(log: OfficeLog) -> None:
    host = log.open_grant("c1", at(MONDAY, 9), ["ds_a"], ticket="A-001")
    log.add("grant.assist", at(MONDAY, 9, 5), "sup1", ["ds_a"], grant=host, terminal="W01",
            host="c1", ticket="A-001", reason="escalation", kind="counter")  # fmt: skip
    helped = log.disclose("sup1", at(MONDAY, 9, 6), "ds_a", grant=host)
    before = log.disclose("sup2", at(MONDAY, 9, 6), "ds_a", grant=host)
    log.close_grant("c1", at(MONDAY, 9, 10), host)
    after = log.disclose("sup1", at(MONDAY, 9, 30), "ds_a", grant=host)
    status = status_of(log)
    assert (status[helped], status[before], status[after]) == (
        "explained",
        "no_grant",
        "no_grant",
    )


def test_it_explains_an_inquiry_for_status_fields_only(log: OfficeLog) -> None:
    inquiry = log.new_id("gr")
    log.add("grant.open", at(MONDAY, 14), "c1", ["ds_a"], grant=inquiry, kind="inquiry",
            inquiry="phone", reason="status_check", reception="R-0042")  # fmt: skip
    status_ok = log.add("disclosure", at(MONDAY, 14, 1), "c1", ["ds_a"],
                        fields=["application_status", "name_kana"], grant=inquiry)  # fmt: skip
    address = log.add("disclosure", at(MONDAY, 14, 2), "c1", ["ds_a"],
                      fields=["address"], grant=inquiry)  # fmt: skip
    late = log.add("disclosure", at(MONDAY, 14, 40), "c1", ["ds_a"],
                   fields=["application_status"], grant=inquiry)  # fmt: skip
    status = status_of(log)
    assert (status[status_ok], status[address], status[late]) == (
        "explained",
        "outside_purpose",
        "no_grant",
    )


def test_it_counts_an_aggregate_monthly_report_as_no_exposure(log: OfficeLog) -> None:
    report = log.add("print", at(MONDAY, 18, 30), "sup1", [], document="monthly_report",
                     job="job_9", watermark="wm_9", pages=4)  # fmt: skip
    assert status_of(log)[report] == "explained"


def test_it_keeps_a_masked_screen_under_an_inquiry_within_its_purpose(log: OfficeLog) -> None:
    inquiry = log.new_id("gr")
    log.add("grant.open", at(MONDAY, 14), "c1", ["ds_a"], grant=inquiry, kind="inquiry",
            inquiry="status", reason="")  # fmt: skip
    masked = log.add("disclosure", at(MONDAY, 14, 1), "c1", ["ds_a"], grant=inquiry,
                     fields=["name_kanji", "address"], form="masked")  # fmt: skip
    assert status_of(log)[masked] == "explained"
