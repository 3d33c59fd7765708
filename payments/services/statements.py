"""Statements of the hub's accounts at a partner bank, modelled on ISO 20022 camt.053.

The bank holds the hub's money in a clearing account per currency (Account kind
bank_clearing). In the ledger that account is debited when a transfer arrives and credited
when the hub sends money out; the bank books the same movements the other way round on the
hub's account. A statement therefore shows each entry with the sign flipped: a payment that
arrived is a credit (CRDT), a payout or a refund a debit (DBIT), and the balances are what
the bank should hold for the hub. The bank reconciles its own books against it line by line.

A statement covers whole UTC days, at most STATEMENT_MAX_DAYS, with its opening and closing
booked balances, and pages of STATEMENT_PAGE_SIZE entries like camt.053's statement
pagination. Two queries whatever the page: the balances and count, the page; neither reads
the entries dated before the period (selectors.accounts.account_period_totals).
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import xmlschema
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError, NotFoundError
from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor

from ..errors import PaymentsErrorCode
from ..models import Account, Entry, LedgerTransaction
from ..selectors.accounts import account_entries_between, account_period_totals, balance_minor
from .camt053 import camt053_schema as camt053_schema_of

STATEMENT_MAX_DAYS = 92
STATEMENT_PAGE_SIZE = 500
CAMT_053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

Kind = LedgerTransaction.Kind
# ISO 20022 bank transaction codes (domain PMNT): received / issued credit transfers,
# cross-border (XBCT) or domestic (DMCT); a payout the creditor's bank returned is RRTN.
BANK_TRANSACTION_CODES = {
    (Kind.PAYMENT, "CRDT"): ("RCDT", "XBCT"),
    (Kind.REFUND, "DBIT"): ("ICDT", "XBCT"),
    (Kind.PAYOUT, "DBIT"): ("ICDT", "DMCT"),
    (Kind.REVERSAL, "CRDT"): ("ICDT", "RRTN"),
}


@dataclass(frozen=True)
class StatementEntry:
    reference: str  # the entry's unique id on this statement
    booked_at: datetime
    amount: Money  # positive; the direction is credit_debit
    credit_debit: str  # CRDT or DBIT, as the bank books it on the hub's account
    kind: str
    description: str
    transaction_reference: str  # order / bank reference, or a payout's end-to-end id


@dataclass(frozen=True)
class BankStatement:
    id: str
    account: Account
    bank: ApiClient
    date_from: date
    date_to: date
    created_at: datetime
    opening: Money  # what the bank should hold for the hub at the start (negative: overdrawn)
    closing: Money
    entries: list[StatementEntry]
    page: int
    last_page: bool
    total_entries: int


def account_identifier(account: Account) -> str:
    """How the statement names the account (camt.053 Acct/Id/Othr/Id)."""
    return account_identifier_of(account.currency)


def account_identifier_of(currency: str) -> str:
    """The hub's clearing account in ``currency`` at any partner bank, as ISO 20022
    messages name it (statements, payment instructions)."""
    return f"EWTP-CLEARING-{currency}"


def bank_accounts(*, bank: ApiClient) -> list[Account]:
    """The hub's accounts at this bank with their balance as the bank books it (``.balance``)."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.BANK_CLEARING, bank=bank)
        .annotate(ledger_minor=balance_minor())
        .order_by("currency")
    )
    for account in accounts:
        account.balance = money_from_minor(-account.ledger_minor, account.currency)
    return accounts


def bank_statement(
    *, bank: ApiClient, currency: str, date_from: date, date_to: date, page: int = 1
) -> BankStatement:
    """The statement of the hub's ``currency`` account at ``bank`` for whole UTC days."""
    _check_period(date_from, date_to, page)
    account = Account.objects.filter(
        kind=Account.Kind.BANK_CLEARING, bank=bank, currency=currency.upper()[:3]
    ).first()
    if account is None:
        raise NotFoundError(
            _("The hub holds no %(currency)s account with you.") % {"currency": currency[:3]},
            PaymentsErrorCode.NO_ACCOUNT,
        )
    start, end = _utc_midnight(date_from), _utc_midnight(date_to + timedelta(days=1))
    # both reads carry the period's bounds: on PostgreSQL they read the entries' partitions
    # from the period's month on, never the history before it
    totals = account_period_totals(account=account, start=start, end=end)
    offset = (page - 1) * STATEMENT_PAGE_SIZE
    rows = list(
        account_entries_between(account=account, start=start, end=end)
        .select_related("transaction")
        .order_by("created_at", "id")[offset : offset + STATEMENT_PAGE_SIZE]
    )
    opening = -totals.opening_minor
    return BankStatement(
        id=f"EWTP-{account.currency}-{date_from:%Y%m%d}-{date_to:%Y%m%d}-{page}",
        account=account,
        bank=bank,
        date_from=date_from,
        date_to=date_to,
        created_at=timezone.now().replace(microsecond=0),
        opening=money_from_minor(opening, account.currency),
        closing=money_from_minor(opening - totals.moved_minor, account.currency),
        entries=[_entry(row) for row in rows],
        page=page,
        last_page=offset + len(rows) >= totals.count,
        total_entries=totals.count,
    )


def _check_period(date_from: date, date_to: date, page: int) -> None:
    if date_to < date_from:
        raise ApplicationError(
            _("The period ends before it starts."),
            PaymentsErrorCode.STATEMENT_PERIOD,
            extra={"field": "to"},
        )
    if (date_to - date_from).days >= STATEMENT_MAX_DAYS:
        raise ApplicationError(
            _("A statement covers at most %(days)s days; ask for several.")
            % {"days": STATEMENT_MAX_DAYS},
            PaymentsErrorCode.STATEMENT_PERIOD,
            extra={"field": "to"},
        )
    if not 1 <= page <= 1_000_000:
        raise ApplicationError(
            _("Pages start at 1."), PaymentsErrorCode.STATEMENT_PAGE, extra={"field": "page"}
        )


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _entry(row: Entry) -> StatementEntry:
    booked = -row.amount_minor  # the bank's side of the hub's clearing account
    return StatementEntry(
        reference=f"EWTP-E{row.pk}",
        booked_at=row.created_at,
        amount=money_from_minor(abs(booked), row.currency),
        credit_debit="CRDT" if booked > 0 else "DBIT",
        kind=row.transaction.kind,
        description=row.transaction.description,
        transaction_reference=row.transaction.reference,
    )


def camt053_render(*, statement: BankStatement) -> bytes:
    """The statement as a camt.053.001.08 BankToCustomerStatement, validated against the ISO
    schema before the bank gets it."""
    ET.register_namespace("", CAMT_053)

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{CAMT_053}}}{tag}", attributes)
        if text is not None:
            element.text = _xml_text(text)
        return element

    document = ET.Element(f"{{{CAMT_053}}}Document")
    message = add(document, "BkToCstmrStmt")
    header = add(message, "GrpHdr")
    add(header, "MsgId", statement.id[:35])
    add(header, "CreDtTm", statement.created_at.isoformat())
    pagination = add(header, "MsgPgntn")
    add(pagination, "PgNb", str(statement.page))
    add(pagination, "LastPgInd", "true" if statement.last_page else "false")
    body = add(message, "Stmt")
    add(body, "Id", statement.id[:35])
    add(body, "CreDtTm", statement.created_at.isoformat())
    period = add(body, "FrToDt")
    add(period, "FrDtTm", _utc_midnight(statement.date_from).isoformat())
    add(period, "ToDtTm", (_utc_midnight(statement.date_to + timedelta(days=1))).isoformat())
    account = add(body, "Acct")
    add(add(add(account, "Id"), "Othr"), "Id", account_identifier(statement.account))
    add(account, "Ccy", statement.account.currency)
    add(add(account, "Ownr"), "Nm", settings.PAYOUT_DEBTOR_NAME[:140])
    add(add(add(account, "Svcr"), "FinInstnId"), "Nm", statement.bank.application.name[:140])
    for code, balance, day in (
        ("OPBD", statement.opening, statement.date_from),
        ("CLBD", statement.closing, statement.date_to),
    ):
        element = add(body, "Bal")
        add(add(add(element, "Tp"), "CdOrPrtry"), "Cd", code)
        add(element, "Amt", _amount(abs(balance)), Ccy=balance.currency.code)
        add(element, "CdtDbtInd", "CRDT" if balance.amount >= 0 else "DBIT")
        add(add(element, "Dt"), "Dt", day.isoformat())
    for entry in statement.entries:
        _add_entry(add, body, entry)
    xml = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    camt053_schema().validate(xml.decode())  # raises if the hub ever produces an invalid file
    return xml


def _add_entry(add, body, entry: StatementEntry) -> None:
    element = add(body, "Ntry")
    add(element, "NtryRef", entry.reference)
    add(element, "Amt", _amount(entry.amount), Ccy=entry.amount.currency.code)
    add(element, "CdtDbtInd", entry.credit_debit)
    add(add(element, "Sts"), "Cd", "BOOK")
    add(add(element, "BookgDt"), "DtTm", entry.booked_at.replace(microsecond=0).isoformat())
    add(add(element, "ValDt"), "Dt", entry.booked_at.date().isoformat())
    if entry.transaction_reference:
        add(element, "AcctSvcrRef", entry.transaction_reference[:35])
    code = add(element, "BkTxCd")
    family = BANK_TRANSACTION_CODES.get((entry.kind, entry.credit_debit))
    if family is None:
        proprietary = add(code, "Prtry")
        add(proprietary, "Cd", f"EWTP-{entry.kind.upper()}")
        add(proprietary, "Issr", "eWTP Hub")
    else:
        domain = add(code, "Domn")
        add(domain, "Cd", "PMNT")
        family_element = add(domain, "Fmly")
        add(family_element, "Cd", family[0])
        add(family_element, "SubFmlyCd", family[1])
    add(element, "AddtlNtryInf", entry.description[:500])


# XML 1.0 allows tab, newline and carriage return among the control characters, no others
_XML_ILLEGAL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _xml_text(text: str) -> str:
    """Text as XML can carry it: a payer's name from a bank may hold any control character."""
    return text.translate(_XML_ILLEGAL)


def _amount(money: Money) -> str:
    return f"{money.amount:f}"


def camt053_schema() -> xmlschema.XMLSchema:
    """The schema of the statements the hub writes (read once, with the one of .02, by
    camt053: one cache of the camt.053 schemas)."""
    return camt053_schema_of(CAMT_053)
