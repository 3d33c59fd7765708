"""National tariff schedules loaded from a file: every bad row reported with its number and
reason and nothing loaded; the same file twice changes nothing; a new version replaces the
previous one from its own date; chapter and heading rates under the longest match."""

import io
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customs.models import PreferentialRate, TariffLine, TariffSchedule
from customs.services import tariff_schedules
from customs.services.duty import Consignment, Item, TariffError
from customs.services.duty_assessment import assess
from customs.services.tariff_in_force import tariff_line
from customs.services.tariff_schedules import tariff_schedule_load
from ewtp.common.errors import ApplicationError, NotAllowedError
from ewtp.common.models import AuditEntry
from hubs.models import User
from tests import factories
from tests.concurrency import postgres_only

from .tariff_files import chapter_lines, national_line, schedule_file

pytestmark = pytest.mark.django_db
D = Decimal
PDK = "Customs Duties Order 2022"


def load(lines, *, edition="PDK 2022", chapters="", **options):
    return tariff_schedule_load(
        file=schedule_file(lines) if isinstance(lines, list) else lines,
        edition=edition,
        legal_source=PDK,
        chapters=chapters,
        actor_label="test",
        **options,
    )


def errors_by_row(report) -> dict:
    found: dict = {}
    for issue in report.errors:
        found.setdefault(issue.row, []).append(f"{issue.hs_code} {issue.message}")
    return found


def test_a_whole_chapter_of_national_lines_loads_as_one_version():
    lines = chapter_lines("84")
    assert len(lines) >= 1000
    report = load(lines, chapters="84")
    assert report.error_count == 0 and report.loaded
    schedule = report.schedule
    assert (schedule.country.code, schedule.edition, schedule.version) == ("MY", "PDK 2022", 1)
    assert schedule.line_count == len(lines) == TariffLine.objects.filter(schedule=schedule).count()
    assert schedule.effective_from == date(2024, 1, 1) and schedule.chapters == "84"
    assert len(schedule.sha256) == 64 and schedule.loaded_by_label == "test"
    assert AuditEntry.objects.filter(action="customs.tariff_schedule.loaded").count() == 1
    assert tariff_line("MY", "8471301000", date(2025, 1, 1)).hs_code == "84713010"


def test_every_bad_row_is_reported_with_its_number_and_reason_and_nothing_is_loaded():
    lines = [line for line in chapter_lines("84") if not line["hs_code"].startswith("847130")]
    bad = {  # reason expected, for each bad row added
        "849999": national_line("MY", "84999910"),
        "number": national_line("MY", "84011010", duty_percent="five"),
        "decimals": national_line("MY", "84011011", sales_tax_percent="5.125"),
        "negative": national_line("MY", "84011012", duty_percent="-1"),
        "date": national_line("MY", "84011013", effective_from="2024-13-01"),
        "before": national_line("MY", "84011014", effective_to="2023-12-31"),
        "collide": national_line("MY", "84011090", effective_from="2025-01-01"),
        "overlaps": national_line("MY", "8401101010"),
        "country": national_line("CN", "84011015"),
        "legal": national_line("MY", "84011016", legal_source=""),
        "flag": national_line("MY", "84011017", prohibited="maybe"),
        "indicative": national_line("MY", "84011018", legal_source="INDICATIVE: a guess"),
        "preferential": national_line("MY", "84011019", preferential="ACFTA:zero"),
    }
    for index, line in enumerate(bad.values()):
        lines.insert(100 * (index + 1), line)
    rows = {}
    for number, line in enumerate(lines, start=2):
        for reason, bad_line in bad.items():
            if line is bad_line:
                rows[reason] = number
    report = load(lines, chapters="84")
    assert report.rows == len(lines) >= 1000
    found = errors_by_row(report)
    expected = {
        "849999": "849999 is not an HS 2022 subheading",
        "number": "duty_percent 'five' is not a number",
        "decimals": "sales_tax_percent 5.125 has more than 2 decimals",
        "negative": "duty_percent -1 is not between 0 and 9999.99",
        "date": "effective_from '2024-13-01' is not a date",
        "before": "effective_to is before effective_from",
        "collide": "its dates collide with row",
        "overlaps": "overlaps line 84011010",
        "country": "a line of CN in a schedule of MY",
        "legal": "legal_source is empty",
        "flag": "prohibited 'maybe' is yes or no",
        "indicative": "load the file as an indicative schedule",
        "preferential": "preferential ACFTA rate 'zero' is not a number",
    }
    for reason, text in expected.items():
        assert any(text in message for message in found.get(rows[reason], [])), (reason, found)
    # the chapter is claimed in full: the subheading whose lines were left out is a gap
    gaps = [issue for issue in report.errors if issue.row is None]
    assert [(g.hs_code, "chapter 84 in full" in g.message) for g in gaps] == [("847130", True)]
    assert report.error_count == len(expected) + 1
    assert not TariffSchedule.objects.exists() and not TariffLine.objects.exists()


def test_the_same_file_loaded_again_changes_nothing():
    lines = chapter_lines("61")
    first = load(lines, chapters="61")
    audit = AuditEntry.objects.count()
    again = load(lines, chapters="61")
    assert again.already_loaded and not again.loaded
    assert again.schedule == first.schedule
    assert TariffSchedule.objects.count() == 1
    assert TariffLine.objects.count() == len(lines)
    assert AuditEntry.objects.count() == audit


def test_the_command_reports_each_bad_row_and_loads_nothing(tmp_path, capsys):
    path = tmp_path / "pdk.csv"
    lines = chapter_lines("61")
    lines.insert(3, national_line("MY", "61019910", duty_percent="abc"))  # row 5
    path.write_bytes(schedule_file(lines).getvalue())
    with pytest.raises(CommandError, match="1 error"):
        call_command("tariff_load", path, edition="PDK 2022", legal_source=PDK)
    assert "row 5" in capsys.readouterr().err
    assert not TariffLine.objects.exists()
    del lines[3]
    path.write_bytes(schedule_file(lines).getvalue())
    call_command("tariff_load", path, edition="PDK 2022", legal_source=PDK, chapters="61")
    call_command("tariff_load", path, edition="PDK 2022", legal_source=PDK, chapters="61")
    assert "already loaded as MY PDK 2022 v1" in capsys.readouterr().out
    assert TariffSchedule.objects.count() == 1


def test_a_new_version_replaces_the_previous_one_from_its_own_date():
    old = load([national_line("MY", "61091000", duty_percent="10")]).schedule
    new = load(
        [national_line("MY", "61091000", duty_percent="0", effective_from="2025-07-01")]
    ).schedule
    old.refresh_from_db()
    assert new.version == 2 and old.superseded_by == new
    assert old.effective_to == date(2025, 6, 30)
    assert tariff_line("MY", "610910", date(2025, 6, 30)).duty_percent == 10
    assert tariff_line("MY", "610910", date(2025, 7, 1)).duty_percent == 0
    # the older file loaded again is still the old version: nothing changes
    again = load([national_line("MY", "61091000", duty_percent="10")])
    assert again.already_loaded and again.schedule == old
    assert TariffSchedule.objects.count() == 2


def test_a_correction_from_the_same_date_replaces_the_version_whole():
    old = load([national_line("MY", "61091000"), national_line("MY", "61099000")]).schedule
    load([national_line("MY", "61091000", duty_percent="7")])
    assert tariff_line("MY", "61091000", date(2025, 1, 1)).duty_percent == 7
    with pytest.raises(TariffError):  # withdrawn by the correction
        tariff_line("MY", "61099000", date(2025, 1, 1))
    old.refresh_from_db()
    assert old.effective_to == date(2023, 12, 31)


def test_chapter_and_heading_rates_apply_under_the_longest_match():
    lines = [
        national_line("MY", "61", duty_percent="20", legal_source="INDICATIVE: chapter"),
        national_line("MY", "6110", duty_percent="15", legal_source="INDICATIVE: heading"),
    ]
    load(lines, edition="Indicative", chapters="61", indicative=True)
    load([national_line("MY", "61102000", duty_percent="0")])
    on = date(2025, 1, 1)
    assert tariff_line("MY", "611020", on).duty_percent == 0  # the national line
    assert tariff_line("MY", "611030", on).duty_percent == 15  # its heading
    assert tariff_line("MY", "610910", on).duty_percent == 20  # its chapter
    with pytest.raises(TariffError):
        tariff_line("MY", "620342", on)


def test_goods_declared_at_six_digits_take_the_national_lines_under_them_if_they_agree():
    load(
        [
            national_line("MY", "61091000", duty_percent="5"),
            national_line("MY", "61099000", duty_percent="5"),
            national_line("MY", "61101110", duty_percent="5"),
            national_line("MY", "61101190", duty_percent="20"),
        ]
    )
    load(
        [national_line("MY", "61", duty_percent="30", legal_source="INDICATIVE: chapter")],
        edition="Indicative",
        indicative=True,
    )
    on = date(2025, 1, 1)
    assert tariff_line("MY", "610910", on).duty_percent == 5  # both lines under it agree
    with pytest.raises(TariffError) as refused:  # they differ: never the chapter's rate
        tariff_line("MY", "611011", on)
    assert refused.value.code == "hs_ambiguous"
    assert "split into 2 MY national lines" in refused.value.message
    assert tariff_line("MY", "61101190", on).duty_percent == 20
    assert tariff_line("MY", "611030", on).duty_percent == 30  # no national line: the chapter


def test_an_indicative_schedule_labels_every_rate():
    report = load([national_line("MY", "61")], indicative=True)
    assert "its legal_source starts with INDICATIVE" in report.errors[0].message


def test_dates_of_one_code_may_follow_each_other():
    report = load(
        [
            national_line("MY", "61091000", effective_to="2025-06-30"),
            national_line("MY", "61091000", effective_from="2025-07-01", duty_percent="0"),
        ]
    )
    assert report.loaded
    assert tariff_line("MY", "610910", date(2025, 1, 1)).duty_percent == 5
    assert tariff_line("MY", "610910", date(2025, 8, 1)).duty_percent == 0


def test_a_preferential_rate_comes_with_its_line():
    load([national_line("CN", "62141000", duty_percent="6", preferential="ACFTA:0")])
    rate = PreferentialRate.objects.get()
    assert rate.origin_countries == "BN ID KH LA MM MY PH SG TH VN"
    factories.certificate_of_origin(  # the Form E the claim names, in the register
        "E24MY000123",
        origin="MY",
        importing="CN",
        hs_codes=["621410"],
        issued_on="2024-12-01",
        valid_until="2025-11-30",
    )
    assessment = assess(
        Consignment(
            regime="CN_IMPORT",
            on=date(2025, 1, 1),
            currency="CNY",
            exchange_rate=D(1),
            items=[Item("62141000", "scarf", "MY", 1, D("0.2"), D("100"))],
            fta_agreement="ACFTA",
            fta_certificate="E24MY000123",
        )
    )
    assert assessment.totals["duty"] == 0
    report = load([national_line("CN", "6214", preferential="ACFTA:0")], edition="x")
    assert "a preferential rate belongs to a line of 6 digits or more" in report.errors[0].message


def test_warnings_are_kept_with_the_schedule():
    report = load([national_line("MY", "61091000", description="", quantity_unit="")])
    assert report.loaded and report.warning_count == 2
    assert [w[2] for w in report.schedule.warnings] == ["no description", "no unit of quantity"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"country,hs_code\nMY,61091000\n", "missing column(s): description"),
        (b"\xff\xfe\x00c\x00o\x00u", "not a readable CSV file in UTF-8"),
        (b"", "missing column(s)"),
    ],
)
def test_an_unreadable_file_is_refused(content, reason):
    report = load(io.BytesIO(content))
    assert reason in report.errors[0].message
    assert not TariffSchedule.objects.exists()


def test_the_row_and_size_caps_stop_the_reading(monkeypatch):
    monkeypatch.setattr(tariff_schedules, "MAX_ROWS", 10)
    report = load(chapter_lines("61"))
    assert any("more than 10 lines" in issue.message for issue in report.errors)
    monkeypatch.setattr(tariff_schedules, "MAX_BYTES", 1000)
    report = load(chapter_lines("61"))
    assert any("larger than" in issue.message for issue in report.errors)
    assert report.rows < 20  # the reading stopped there


def test_checking_only_loads_nothing():
    report = load(chapter_lines("61"), check_only=True)
    assert report.error_count == 0 and report.schedule is None
    assert not TariffSchedule.objects.exists()


def test_a_request_without_edition_or_instrument_is_refused():
    with pytest.raises(ApplicationError) as refused:
        load(chapter_lines("61"), edition=" ")
    assert refused.value.extra["field"] == "edition"
    with pytest.raises(ApplicationError) as refused:
        load(chapter_lines("61"), chapters="61 77")
    assert refused.value.extra["field"] == "chapters"


def test_officers_load_their_own_countrys_schedules_administrators_any(
    customs_officer, admin_user, sme_owner
):
    lines = [national_line("CN", "61091000")]
    with pytest.raises(NotAllowedError):  # a KUL officer, a Chinese schedule
        load(lines, actor=customs_officer)
    with pytest.raises(NotAllowedError):
        load(lines, actor=sme_owner)
    assert not TariffSchedule.objects.exists()
    assert load([national_line("MY", "61091000")], actor=customs_officer).loaded
    schedule = load(lines, actor=admin_user).schedule
    assert schedule.loaded_by == admin_user
    hgh_officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=factories.hub("HGH")
    )
    assert load(lines, actor=hgh_officer, edition="other").loaded


def test_the_example_file_of_the_format_loads():
    path = Path(__file__).resolve().parents[2] / "customs/data/examples/MY-schedule-example.csv"
    with open(path, "rb") as file:
        report = load(file, edition="Format example", indicative=True)
    assert report.loaded and report.error_count == 0 and report.warning_count == 0
    assert report.schedule.line_count == 6
    assert tariff_line("MY", "0902101000", date(2025, 7, 1)).sales_tax_percent == 5


def at_once(*loads) -> list:
    """Run the loads in threads released together; each outcome is its report or error code."""
    outcomes, barrier = [], threading.Barrier(len(loads))

    def run(lines, edition):
        barrier.wait()
        try:
            outcomes.append(load(lines, edition=edition))
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in loads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_file_loaded_four_times_at_once_is_loaded_once(hs_nomenclature):
    lines = chapter_lines("61")
    outcomes = at_once(*[(lines, "PDK 2022")] * 4)
    assert sorted(report.loaded for report in outcomes) == [False, False, False, True]
    assert all(report.already_loaded for report in outcomes if not report.loaded)
    assert TariffSchedule.objects.count() == 1
    assert TariffLine.objects.count() == len(lines)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_files_under_one_edition_at_once_never_share_a_version(hs_nomenclature):
    first, second = chapter_lines("61"), chapter_lines("61", duty_percent="7")
    outcomes = at_once((first, "PDK 2022"), (second, "PDK 2022"))
    versions = sorted(TariffSchedule.objects.values_list("version", flat=True))
    loaded = [o for o in outcomes if not isinstance(o, str)]
    assert versions == [1, 2] or (versions == [1] and "tariff_busy" in outcomes)
    assert TariffLine.objects.count() == len(first) * len(loaded)


def test_row_numbers_are_the_files_own_line_numbers():
    good = schedule_file([national_line("MY", "61091000")]).getvalue().decode()
    bad = schedule_file([national_line("MY", "61099000", duty_percent="x")]).getvalue().decode()
    text = good + "\n" + bad.split("\n", 1)[1]  # a blank line, then the bad row on line 4
    report = load(io.BytesIO(text.encode()))
    assert [(issue.row, issue.hs_code) for issue in report.errors] == [(4, "61099000")]


def test_a_new_version_that_covers_less_than_the_last_is_refused():
    load(chapter_lines("09") + chapter_lines("61"), chapters="09 61")
    with pytest.raises(ApplicationError) as refused:
        load(chapter_lines("61", duty_percent="7"), chapters="61")  # chapter 09 would end
    assert refused.value.extra["field"] == "chapters"
    assert "covers chapters 09 61" in refused.value.message
    assert TariffSchedule.objects.count() == 1  # nothing loaded
    assert load(chapter_lines("09") + chapter_lines("61", duty_percent="7"), chapters="09 61")


def test_a_compound_excise_loads_and_a_bad_unit_is_named():
    line = national_line(
        "MY", "24022010", excise_percent="10", excise_specific="0.40", excise_specific_unit="unit"
    )
    load([line])
    loaded = TariffLine.objects.get(hs_code="24022010")
    assert (loaded.excise_percent, loaded.excise_specific, loaded.excise_specific_unit) == (
        D("10"),
        D("0.4"),
        "unit",
    )
    report = load(
        [national_line("MY", "24022090", excise_specific="1", excise_specific_unit="stick")],
        edition="PDK 2022 excise",
    )
    assert any("excise_specific_unit 'stick' is kg or unit" in e.message for e in report.errors)
