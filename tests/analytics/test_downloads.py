"""Every table on every dashboard page downloads as XLSX: the test reads each page as a
person would, in each language, follows every XLSX link it renders, and opens the workbook:
a real spreadsheet whose header row is the table's headers, in the reader's language."""

import io
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.analytics.trade import page

pytestmark = pytest.mark.django_db
DASHBOARDS = ("exports", "participation", "clearance", "logistics", "money", "credit")


class Sections(HTMLParser):
    """Each table section of a dashboard page: its headers and its download links."""

    def __init__(self):
        super().__init__()
        self.sections: list[dict] = []
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "dashboard-table" in (attrs.get("class") or ""):
            self.sections.append({"headers": [], "links": []})
        elif self.sections and tag == "th":
            self._in_th = True
            self.sections[-1]["headers"].append("")
        elif self.sections and tag == "a" and "export=" in (attrs.get("href") or ""):
            self.sections[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_th:
            self.sections[-1]["headers"][-1] += data


def sections(response) -> list[dict]:
    parser = Sections()
    parser.feed(response.content.decode())
    return parser.sections


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
def test_every_table_of_every_dashboard_page_downloads_as_xlsx(
    traded, mdec_officer, until, language
):
    pages = [(mdec_officer, f"/dashboards/{key}/?date_to={until}") for key in DASHBOARDS]
    pages.append((traded.world.seller_owner, f"/insights/?date_to={until}"))
    downloads = 0
    for user, path in pages:
        response = page(user, path, language)
        assert response.status_code == 200, path
        found = sections(response)
        assert len(found) == len(response.context["dashboard"].tables), path
        for section in found:
            (xlsx,) = [link for link in section["links"] if "export=xlsx" in link]
            got = page(user, path.split("?")[0] + xlsx, language)
            assert got.status_code == 200, (path, xlsx)
            assert got["Content-Type"].startswith("application/vnd.openxmlformats")
            sheet = load_workbook(io.BytesIO(got.content)).active
            header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
            assert header == section["headers"], (path, xlsx)
            downloads += 1
    assert downloads >= 20


def test_the_headers_are_in_the_readers_language(traded, mdec_officer, until):
    path = f"/dashboards/money/?date_to={until}&export=xlsx&table=flows"
    english = load_workbook(io.BytesIO(page(mdec_officer, path, "en").content)).active
    chinese = load_workbook(io.BytesIO(page(mdec_officer, path, "zh-hans").content)).active
    assert [c.value for c in english[1]] == ["Flow", "Currency", "Amount"]
    headers = [c.value for c in chinese[1]]
    assert len(headers) == 3 and not {"Flow", "Currency", "Amount"} & set(headers)
    assert "Paid into escrow" not in [c.value for c in chinese["A"]]  # the rows too
