"""Reconciling a partner bank's camt.053 statements with the ledger.

The bank sends a statement of one of the hub's accounts with it (over the API, or an
officer uploads it in the portal). Each booked entry is matched with an entry of the ledger
on the hub's clearing account at that bank: the same direction (the bank's CRDT is a debit of
the clearing account), the same amount, a reference in common (the end-to-end id of a
payout or an FX deal, the bank's reference of a payment, or the hub's own entry reference
when the statement is the hub's export sent back) and a booking date at most
RECONCILIATION_DATE_TOLERANCE_DAYS apart. What is left on either side is listed for a person:
in the statement but not in the ledger, in the ledger (within the statement's period) but
not in the statement; and the bank's opening and closing balances are compared with the
ledger's at the period's start and end.

A statement is reconciled once per (bank, account, statement id): sent again with the same
content it changes nothing; with other content under the same id it is refused (409). An
upload is all or nothing: a file with one bad statement stores none.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ConflictError
from ewtp.common.models import ApiClient
from ewtp.common.outbox import event_record

from ..errors import PaymentsErrorCode, StatementTooLarge
from ..events import StatementReconciled
from ..models import Account, Entry, StatementLine, StatementReconciliation
from ..selectors.accounts import account_entries_between, account_period_totals
from .camt053 import EntryIn, StatementIn, camt053_parse, refuse
from .statements import account_identifier

Outcome = StatementLine.Outcome


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry on the clearing account, as the bank would book it."""

    entry_id: int
    references: frozenset[str]
    amount_minor: int  # positive
    credit_debit: str
    booked_on: date
    in_period: bool


def entries_match(
    statement: tuple[EntryIn, ...], ledger: list[LedgerRow], *, tolerance_days: int
) -> tuple[list[int | None], list[LedgerRow]]:
    """For each statement entry the ledger entry it matches (or None), and the ledger rows of
    the period that nothing matched. Pure: the reconciliation's rule, tested on its own.
    Among several candidates the nearest booking date wins, then the oldest entry."""
    by_key: dict[tuple[str, int], list[LedgerRow]] = defaultdict(list)
    for row in ledger:
        by_key[row.credit_debit, row.amount_minor].append(row)
    used: set[int] = set()
    matched: list[int | None] = []
    for entry in statement:
        references = set(entry.references)
        candidates = [
            row
            for row in by_key[entry.credit_debit, entry.amount_minor]
            if row.entry_id not in used
            and references & row.references
            and abs((row.booked_on - entry.booked_on).days) <= tolerance_days
        ]
        best = min(
            candidates,
            key=lambda row: (abs((row.booked_on - entry.booked_on).days), row.entry_id),
            default=None,
        )
        if best is not None:
            used.add(best.entry_id)
        matched.append(best.entry_id if best else None)
    left = [row for row in ledger if row.in_period and row.entry_id not in used]
    return matched, left


def entry_references(entry: Entry) -> frozenset[str]:
    """What a bank may quote for a ledger entry: the hub's entry reference (its own
    statements), the transaction's reference, and each part of a compound one ("order /
    bank reference"), also cut to the 35 characters ISO 20022 references have."""
    reference = entry.transaction.reference
    parts = {reference, reference[:35], *(part.strip() for part in reference.split(" / "))}
    return frozenset({f"EWTP-E{entry.pk}", *(p[:35] for p in parts)} - {""})


def statement_reconcile(
    *, bank: ApiClient, data: bytes, actor=None, actor_label: str = ""
) -> tuple[list[StatementReconciliation], bool]:
    """Reconcile every statement of a camt.053 message from ``bank`` (sent by the bank's
    client, or uploaded by ``actor``); returns them and whether any was new (False: the same
    message was received before, and nothing changed)."""
    if len(data) > settings.STATEMENT_MAX_BYTES:
        raise StatementTooLarge(
            _("The file is larger than %(size)s MB.")
            % {"size": settings.STATEMENT_MAX_BYTES // (1024 * 1024)},
            PaymentsErrorCode.STATEMENT_TOO_LARGE,
            extra={"field": "file"},
        )
    message = camt053_parse(data)
    if not message.statements:
        raise refuse(_("The message holds no statement."), PaymentsErrorCode.STATEMENT_CONTENT)
    accounts = [_account(bank, statement) for statement in message.statements]
    who = (actor, actor_label or (actor.email if actor else "system"))
    try:
        return _store_all(bank, message, accounts, who)
    except IntegrityError:  # the same statement, received concurrently: it is there now
        return _store_all(bank, message, accounts, who)


def _store_all(bank, message, accounts, who):
    results, created = [], False
    with transaction.atomic():
        for statement, account in zip(message.statements, accounts, strict=True):
            earlier = StatementReconciliation.objects.filter(
                bank=bank, account=account, statement_id=statement.statement_id
            ).first()
            if earlier is None:
                results.append(_reconcile(bank, account, message.message_id, statement, who))
                created = True
            elif earlier.fingerprint == statement.fingerprint:
                results.append(earlier)
            else:
                raise ConflictError(
                    _(
                        "Statement %(statement)s was received on %(received)s with other "
                        "content; a corrected statement needs an id of its own."
                    )
                    % {
                        "statement": statement.statement_id,
                        "received": f"{earlier.created_at:%Y-%m-%d %H:%M}",
                    },
                    PaymentsErrorCode.STATEMENT_CONFLICT,
                    extra={"field": "file"},
                )
    return results, created


def _account(bank: ApiClient, statement: StatementIn) -> Account:
    account = Account.objects.filter(
        kind=Account.Kind.BANK_CLEARING, bank=bank, currency=statement.currency
    ).first()
    if account is None or statement.account_id != account_identifier(account):
        raise refuse(
            _(
                "The statement is of account %(account)s in %(currency)s: the hub holds no "
                "such account with %(bank)s."
            )
            % {
                "account": repr(statement.account_id[:40]),
                "currency": statement.currency,
                "bank": bank.application.name,
            },
            PaymentsErrorCode.STATEMENT_ACCOUNT,
        )
    return account


def _ledger_side(account: Account, start, end, tolerance: int):
    """The clearing account's entries around the period (by id, and as the bank would book
    them), and its balances at the period's start and end as the bank books them (the
    negative of the ledger's). Two queries, neither of which reads the entries dated before
    the period (on PostgreSQL, its partitions only)."""
    totals = account_period_totals(account=account, start=start, end=end)
    window = account_entries_between(
        account=account,
        start=start - timedelta(days=tolerance),
        end=end + timedelta(days=tolerance),
    ).select_related("transaction")
    rows = {row.pk: row for row in window.order_by("created_at", "id")}
    ledger = [
        LedgerRow(
            entry_id=row.pk,
            references=entry_references(row),
            amount_minor=abs(row.amount_minor),
            credit_debit="CRDT" if row.amount_minor < 0 else "DBIT",
            booked_on=row.created_at.date(),
            in_period=start <= row.created_at < end,
        )
        for row in rows.values()
    ]
    opening = totals.opening_minor
    return rows, ledger, -opening, -(opening + totals.moved_minor)


def _reconcile(bank, account, message_id, statement: StatementIn, who):
    actor, actor_label = who
    tolerance = settings.RECONCILIATION_DATE_TOLERANCE_DAYS
    start, end = statement.period_start, statement.period_end
    rows, ledger, opening, closing = _ledger_side(account, start, end, tolerance)
    matched, left = entries_match(statement.entries, ledger, tolerance_days=tolerance)
    unmatched = matched.count(None)
    balances_agree = (opening, closing) == (statement.opening_minor, statement.closing_minor)
    agreed = not unmatched and not left and balances_agree
    reconciliation = StatementReconciliation.objects.create(
        bank=bank,
        account=account,
        statement_id=statement.statement_id,
        message_id=message_id,
        fingerprint=statement.fingerprint,
        period_start=start,
        period_end=end,
        opening_minor=statement.opening_minor,
        closing_minor=statement.closing_minor,
        ledger_opening_minor=opening,
        ledger_closing_minor=closing,
        entries=len(statement.entries),
        matched=len(statement.entries) - unmatched,
        statement_only=unmatched,
        ledger_only=len(left),
        status=StatementReconciliation.Status.AGREED
        if agreed
        else StatementReconciliation.Status.DIFFERENCES,
        actor_label=actor_label,
    )
    _lines_store(reconciliation, statement, matched, left, rows)
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action="payments.statement.reconciled",
        target=reconciliation,
        data={
            "statement": statement.statement_id,
            "account": account.key,
            "status": reconciliation.status,
            "statement_only": unmatched,
            "ledger_only": len(left),
        },
    )
    event_record(
        StatementReconciled(
            reconciliation_id=reconciliation.pk,
            bank_id=bank.pk,
            currency=account.currency,
            status=reconciliation.status,
        )
    )
    return reconciliation


def _lines_store(reconciliation, statement, matched, left, rows) -> None:
    lines = [
        StatementLine(
            reconciliation=reconciliation,
            outcome=Outcome.STATEMENT_ONLY if entry_id is None else Outcome.MATCHED,
            entry_id=entry_id,
            entry_reference=entry.entry_reference,
            reference=entry.references[0] if entry.references else "",
            amount_minor=entry.amount_minor,
            currency=statement.currency,
            credit_debit=entry.credit_debit,
            booked_on=entry.booked_on,
            description=entry.description,
        )
        for entry, entry_id in zip(statement.entries, matched, strict=True)
    ]
    lines += [
        StatementLine(
            reconciliation=reconciliation,
            outcome=Outcome.LEDGER_ONLY,
            entry_id=row.entry_id,
            entry_reference=f"EWTP-E{row.entry_id}",
            reference=rows[row.entry_id].transaction.reference,
            amount_minor=row.amount_minor,
            currency=statement.currency,
            credit_debit=row.credit_debit,
            booked_on=row.booked_on,
            description=rows[row.entry_id].transaction.description,
        )
        for row in left
    ]
    StatementLine.objects.bulk_create(lines, batch_size=1000)
