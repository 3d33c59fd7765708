"""An order's history is recorded in English and read in the reader's language: the hub's
own sentences are translated with their details; what a person typed is shown as typed."""

from django.utils import translation

from hubs import order_words
from hubs.models import OrderLine
from hubs.order_words import actor_shown, reason_record, reason_shown


def test_a_recorded_sentence_is_read_in_the_readers_language_with_its_details():
    recorded = reason_record(order_words.EXPORT_FILED_AT, reference="DKUL1", hub="KUL")
    assert recorded == "Export declaration DKUL1 filed at KUL."
    with translation.override("ms"):
        assert reason_shown(recorded) == "Pengisytiharan eksport DKUL1 difailkan di KUL."
    with translation.override("zh-hans"):
        assert reason_shown(recorded) == "出口申报单 DKUL1 已在 KUL 提交。"
    with translation.override("en"):
        assert reason_shown(recorded) == recorded


def test_details_with_spaces_and_what_follows_a_sentence_are_kept():
    recorded = reason_record(order_words.DEPARTED, flight="MH360", mawb="232-1234 5675")
    with translation.override("ms"):
        assert reason_shown(recorded) == "Berlepas dengan MH360 di bawah MAWB 232-1234 5675."
        note = order_words.PAYMENT_REQUESTED + " Duties quoted: MYR 12.00."
        assert reason_shown(note) == "Bayaran diminta daripada pembeli. Duties quoted: MYR 12.00."


def test_what_a_person_typed_and_who_signed_are_shown_as_written():
    with translation.override("zh-hans"):
        assert reason_shown("Wrong colour, sorry") == "Wrong colour, sorry"
        assert reason_shown("") == ""
        assert actor_shown("pipeline") == "枢纽"
        assert actor_shown("aisyah@kainpelangi.example") == "aisyah@kainpelangi.example"


def test_an_order_line_reads_in_the_listings_translation_where_there_is_one(db, kul):
    from tests import factories

    product = factories.ProductFactory(title_en="Batik scarf", title_ms="Selendang batik")
    line = OrderLine(product=product, title="Batik scarf (as sold)")
    with translation.override("ms"):
        assert line.title_shown == "Selendang batik"
    with translation.override("zh-hans"):  # no Chinese title: the title as sold
        assert line.title_shown == "Batik scarf (as sold)"
    with translation.override("en"):
        assert line.title_shown == "Batik scarf (as sold)"
