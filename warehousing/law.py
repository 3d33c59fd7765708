"""The rules a bonded warehouse works under, each with the instrument that makes it, and
where the hub's own policy goes further (said as such). Pages and the API show these names
beside the figures they explain.

China's bonded retail import ("网购保税进口", customs supervision mode 1210):

- GACC Announcement 2014 No. 57 added supervision mode 1210, "bonded cross-border trade
  e-commerce" (保税跨境贸易电子商务): goods enter a special customs supervision area or a
  bonded logistics centre (type B) in bulk, and leave it order by order as retail imports.
  An ordinary bonded warehouse does not take them: a warehouse here is bonded only as one of
  those two kinds of site (Warehouse.SiteKind), each under its own instrument:
  comprehensive bonded zones under GACC Order No. 256 (2022), Measures on the
  Administration of Comprehensive Bonded Zones; type-B centres under GACC Order No. 130
  (2005), Interim Measures on the Supervision of Bonded Logistics Centres (Type B).
- MOFCOM, NDRC, MOF, GACC, SAT and SAMR Notice Shangcaifa [2018] No. 486 (improving the
  supervision of cross-border e-commerce retail imports) and GACC Announcement 2018 No. 194
  (that supervision): each order is declared as a retail import under the three-record
  match, within the limits of MOF, GACC, SAT Announcement 2018 No. 49 (CNY 5,000 per
  transaction, CNY 26,000 a year, import duty nil and VAT and consumption tax at 70 %); the
  customs engine applies these (customs/services/duty_china.py). The taxes are collected
  for the consumer by the platform (so a bonded order is sold duty paid, DDP) and the
  consumer never pays customs directly.
- GACC Announcement 2018 No. 194, on returns: a return is applied for within 30 days of
  the retail import's release, and the goods reach the site they left, in their original
  state, within 45 days of it; their taxes are then not levied, and the consumer's annual
  total is adjusted.
- The hub's policy, under customs supervision of the site: a change of bonded stock that is
  not a declared entry or exit (a count's difference, damage, expiry, destruction) is
  approved by a customs officer of the hub before the stock and the ledger change. A
  shortage that is not due to force majeure may owe duty; the officer decides with the
  record in front of them.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

SUPERVISION_MODE_BONDED = "1210"
SUPERVISION_MODE_DIRECT = "9610"

MODE_1210 = _(
    "Bonded cross-border e-commerce import, customs supervision mode 1210 "
    "(GACC Announcement 2014 No. 57)"
)
SITE_ZONE = _("Comprehensive bonded zone (GACC Order No. 256 (2022))")
SITE_CENTRE_B = _("Bonded logistics centre, type B (GACC Order No. 130 (2005))")
RETURNS = _(
    "Returns: applied for within 30 days of release, back in original condition within 45 "
    "days; taxes not levied, the consumer's annual total adjusted "
    "(GACC Announcement 2018 No. 194)"
)
ADJUSTMENTS = _(
    "The hub's policy under customs supervision: a change of bonded stock that is not a "
    "declared entry or exit is approved by a customs officer of the hub first"
)
DUTY_PAID = _(
    "Bonded goods are sold duty paid (DDP): the platform collects the consumer's taxes "
    "(GACC Announcement 2018 No. 194)"
)

RETURN_REQUEST_WINDOW = timedelta(days=30)
RETURN_ARRIVAL_WINDOW = timedelta(days=45)
