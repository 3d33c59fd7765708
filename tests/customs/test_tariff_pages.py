"""The officers' tariff pages: coverage of HS 2022 per country and chapter (in a constant
number of queries), and the upload of a schedule with its report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.models import TariffLine, TariffSchedule
from customs.services.tariff import tariff_load_bundled
from customs.services.tariff_schedules import tariff_schedule_load

from .tariff_files import chapter_lines, national_line, schedule_file

pytestmark = pytest.mark.django_db
COVERAGE, SCHEDULES = "/customs/tariff/", "/customs/tariff/schedules/"


def official(lines, edition="PDK 2022", chapters=""):
    return tariff_schedule_load(
        file=schedule_file(lines),
        edition=edition,
        legal_source="Customs Duties Order 2022",
        chapters=chapters,
        actor_label="test",
    )


def chapter_row(response, chapter):
    return next(cells for row, cells in response.context["chapters"] if row.chapter == chapter)


def test_the_bundled_tariff_covers_every_subheading_for_both_countries(client, customs_officer):
    tariff_load_bundled()
    client.force_login(customs_officer)
    response = client.get(COVERAGE)
    assert response.status_code == 200
    assert response.context["coverage"].subheadings == 5612
    assert response.context["totals"] == [("MY", 5612, 100.0, 0), ("CN", 5612, 100.0, 0)]
    assert "Indicative chapter and heading rates" in response.content.decode()


def test_the_figures_count_subheadings_with_a_rate_in_force(client, customs_officer):
    # 610910 and 611011 under national lines, chapter 62 under a chapter rate, and a line
    # that ended before the date asked about
    official(
        [
            national_line("MY", "61091000"),
            national_line("MY", "6110111000"),
            national_line("MY", "61101200", effective_to="2024-12-31"),
        ]
    )
    official([national_line("MY", "62")], edition="Chapter rates")
    client.force_login(customs_officer)
    response = client.get(COVERAGE, {"on": "2025-03-01"})
    coverage = response.context["coverage"]
    sixty_two = next(c for c in coverage.chapters if c.chapter == "62")
    assert chapter_row(response, "61")[0] == (2, pytest.approx(200 / 106), 2)
    assert chapter_row(response, "62")[0] == (sixty_two.subheadings, 100.0, sixty_two.subheadings)
    assert chapter_row(response, "61")[1] == (0, 0.0, 0)  # nothing for CN
    assert coverage.covered == (2 + sixty_two.subheadings, 0)
    response = client.get(COVERAGE, {"on": "2024-06-01"})
    assert chapter_row(response, "61")[0][0] == 3
    response = client.get(COVERAGE, {"on": "2023-06-01"})  # before every line
    assert response.context["coverage"].covered == (0, 0)


def test_the_pages_take_the_same_queries_whatever_the_tariff(client, customs_officer):
    client.force_login(customs_officer)
    official([national_line("MY", "61091000")])
    client.get(COVERAGE)  # the session and the nomenclature, read once
    with CaptureQueriesContext(connection) as small:
        assert client.get(COVERAGE).status_code == 200
    with CaptureQueriesContext(connection) as small_list:
        assert client.get(SCHEDULES).status_code == 200
    tariff_load_bundled()
    official(chapter_lines("84"), edition="PDK 2022 chapter 84", chapters="84")
    official(chapter_lines("29", country="CN"), edition="CN 2024 chapter 29", chapters="29")
    assert TariffSchedule.objects.count() == 7 and TariffLine.objects.count() > 2000
    with CaptureQueriesContext(connection) as large:
        response = client.get(COVERAGE)
    assert len(large) == len(small) <= 8, [q["sql"][:80] for q in large]
    with CaptureQueriesContext(connection) as large_list:
        client.get(SCHEDULES)
    assert len(large_list) == len(small_list)
    assert chapter_row(response, "84")[0][2] == 538  # every subheading, officially


@pytest.mark.parametrize(
    ("persona", "status"),
    [("sme_owner", 403), ("hub_operator", 403), ("mdec_officer", 403), ("admin_user", 200)],
)
def test_the_tariff_pages_are_for_customs_officers_and_administrators(
    client, request, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(COVERAGE).status_code == status
    assert client.get(SCHEDULES).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(COVERAGE).status_code == 302


def upload(client, lines, **fields):
    data = {
        "file": SimpleUploadedFile("pdk.csv", schedule_file(lines).getvalue(), "text/csv"),
        "edition": "PDK 2022",
        "legal_source": "Customs Duties Order 2022",
        "chapters": "",
    }
    return client.post(SCHEDULES, data | fields)


def test_an_officer_uploads_a_schedule_and_reads_the_report(client, customs_officer):
    client.force_login(customs_officer)
    lines = chapter_lines("61")
    lines.insert(5, national_line("MY", "61999910"))  # row 7
    response = upload(client, lines, chapters="61")
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 error in" in page and "nothing was loaded" in page
    assert "619999 is not an HS 2022 subheading" in page
    assert response.context["report"].errors[0].row == 7
    assert not TariffSchedule.objects.exists()

    del lines[5]
    response = upload(client, lines, chapters="61")
    schedule = TariffSchedule.objects.get()
    assert f"Loaded as {schedule}" in response.content.decode()
    assert schedule.loaded_by == customs_officer and schedule.chapters == "61"
    response = upload(client, lines, chapters="61")
    assert "already loaded" in response.content.decode()
    assert TariffSchedule.objects.count() == 1
    assert schedule.edition in client.get(SCHEDULES).content.decode()


def test_an_officer_cannot_load_another_countrys_schedule(client, customs_officer):
    client.force_login(customs_officer)  # at KUL
    response = upload(client, [national_line("CN", "61091000")])
    assert "loads the schedules of his own hub" in response.content.decode()
    assert not TariffSchedule.objects.exists()


def test_the_pages_speak_malay_and_chinese(client, customs_officer):
    client.force_login(customs_officer)
    for language, title in (("ms", "Liputan tarif"), ("zh-hans", "关税覆盖")):
        client.cookies["django_language"] = language
        assert title in client.get(COVERAGE).content.decode()
