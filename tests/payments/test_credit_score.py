"""The credit score engine: explainable, reproducible, monotonic where it must be."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments.services.scoring import TradeRecord, credit_offer, credit_score

counts = st.integers(min_value=0, max_value=500)
values = st.integers(min_value=0, max_value=10**11)


@st.composite
def records(draw):
    orders_12m = draw(counts)
    shipped = draw(st.integers(0, orders_12m))
    return TradeRecord(
        months_active=draw(st.integers(0, 120)),
        orders_3m=draw(st.integers(0, orders_12m)),
        value_3m_minor=draw(values),
        value_prev_3m_minor=draw(values),
        orders_12m=orders_12m,
        value_12m_minor=draw(values),
        shipped=shipped,
        shipped_on_time=draw(st.integers(0, shipped)),
        disputes=draw(counts),
        refunds=draw(counts),
        customs_holds=draw(counts),
        customs_rejections=draw(counts),
        weight_mismatches=draw(counts),
        payout_rejections=draw(counts),
        debt_minor=draw(values),
        instalments_on_time=draw(counts),
        instalments_late=draw(counts),
        instalments_overdue=draw(counts),
    )


def more(record: TradeRecord, **increments) -> TradeRecord:
    return dataclasses.replace(
        record, **{name: getattr(record, name) + n for name, n in increments.items()}
    )


@settings(max_examples=300, deadline=None)
@given(records(), st.sampled_from(
    ["disputes", "refunds", "customs_holds", "customs_rejections", "weight_mismatches",
     "payout_rejections", "instalments_late", "instalments_overdue"]
))  # fmt: skip
def test_more_trouble_never_raises_the_score(record, trouble):
    assert credit_score(more(record, **{trouble: 1})).score <= credit_score(record).score


@settings(max_examples=300, deadline=None)
@given(records(), st.integers(min_value=1, max_value=10**8))
def test_more_on_time_volume_never_lowers_the_score(record, value):
    # one more order now, paid and shipped on time: every count and value it belongs to grows
    busier = more(
        record,
        orders_3m=1,
        orders_12m=1,
        value_3m_minor=value,
        value_12m_minor=value,
        shipped=1,
        shipped_on_time=1,
    )
    assert credit_score(busier).score >= credit_score(record).score


def test_the_score_explains_itself_and_is_the_same_from_the_same_record():
    record = TradeRecord(
        months_active=18,
        orders_3m=40,
        value_3m_minor=12_000_000,
        value_prev_3m_minor=9_000_000,
        orders_12m=150,
        value_12m_minor=42_000_000,
        shipped=150,
        shipped_on_time=141,
        disputes=2,
        customs_holds=1,
    )
    score = credit_score(record)
    assert score == credit_score(TradeRecord(**record.as_json()))
    by_code = {f.code: f for f in score.factors}
    assert by_code["history"].points == 60  # a year or more
    assert by_code["orders"].points == 60  # 60 orders or more
    assert by_code["customs"].points == -5
    assert all(f.hint for f in score.factors)
    assert score.score == 400 + sum(f.points for f in score.factors)
    assert score.band == "A"


@pytest.mark.parametrize(
    ("band_record", "band", "limit_myr"),
    [
        (TradeRecord(months_active=24, orders_12m=120, value_12m_minor=24_000_000,
                     value_3m_minor=8_000_000, value_prev_3m_minor=5_000_000, shipped=120,
                     shipped_on_time=120), "A", 60_000),
        (TradeRecord(months_active=2, orders_12m=3, value_12m_minor=300_000), "E", None),
    ],
)  # fmt: skip
def test_the_offer_follows_band_and_volume(band_record, band, limit_myr):
    score = credit_score(band_record)
    assert score.band == band
    offer = credit_offer(score=score, record=band_record, cap_minor=20_000_000)
    if limit_myr is None:
        assert offer is None
    else:  # band A: three average months of exports (RM 240,000 / 12 × 3)
        assert offer.limit_minor == limit_myr * 100
        assert offer.cost_minor(3_000_000, 6) == (120_000, 30_000)  # 8 % a year, 1 % fee
