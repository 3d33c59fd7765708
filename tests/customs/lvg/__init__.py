"""Sales tax on low value goods (LVG): only a seller registered on the declaration date
charges it, and its declarations carry the registration number; an unregistered seller is
told when its LVG sales near the registration threshold; a registered seller downloads each
taxable period's return. The law: Sales Tax Act 2018, Part VA, with the Sales Tax
(Determination of Low Value Goods) Order 2023 (goods up to RM500) and the Sales Tax (Low
Value Goods) Regulations 2022 (registration over RM500,000 in 12 months; a return for each
taxable period of three months) - customs/models/lvg.py."""
