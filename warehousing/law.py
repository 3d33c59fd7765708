"""The rules a bonded warehouse works under, each with the instrument that makes it. What
the platform enforces is named here once; pages and the API show these names beside the
figures they explain.

China's bonded retail import ("网购保税进口", customs supervision mode 1210):

- GACC Announcement 2014 No. 57 added supervision mode 1210, "bonded cross-border trade
  e-commerce" (保税跨境贸易电子商务): goods enter a special customs supervision area or a
  bonded logistics centre (type B) in bulk, and leave it order by order as retail imports.
- MOFCOM, NDRC, MOF, GACC, SAT and SAMR Notice Shangcaifa [2018] No. 486 (improving the
  supervision of cross-border e-commerce retail imports) and GACC Announcement 2018 No. 194
  (that supervision): each order is
  declared as a retail import under the three-record match, within the limits of MOF, GACC,
  SAT Announcement 2018 No. 49 (CNY 5,000 per transaction, CNY 26,000 a year, import duty
  nil and VAT and consumption tax at 70 %); the customs engine applies these
  (customs/services/duty_china.py).
- GACC Announcement 2018 No. 194: a retail import may be returned; the goods go back in their
  original state, fit for resale, to the supervision site they left within 30 days of
  their release, and the taxes are not collected.
- GACC Order No. 256 (2022), Measures on the Administration of Comprehensive Bonded Zones:
  goods in a bonded area are under customs supervision; a change of their quantity that is
  not a declared entry or exit (a count's difference, damage, expiry, destruction) is
  recorded with customs, so in a bonded warehouse an officer approves it before the stock
  changes.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

SUPERVISION_MODE_BONDED = "1210"
SUPERVISION_MODE_DIRECT = "9610"

MODE_1210 = _(
    "Bonded cross-border e-commerce import, customs supervision mode 1210 "
    "(GACC Announcement 2014 No. 57)"
)
RETURNS = _(
    "Returns: in original condition within 30 days of release, taxes not collected "
    "(GACC Announcement 2018 No. 194)"
)
ADJUSTMENTS = _(
    "A change of bonded stock that is not a declared entry or exit is approved by customs "
    "(GACC Order No. 256 (2022), Comprehensive Bonded Zones)"
)

RETURN_WINDOW = timedelta(days=30)
