"""Reading a partner bank's camt.053 statement: safely, and only what the schema allows.

The file is parsed with defusedxml with DTDs forbidden (so no entity expansion, no external
entity, nothing fetched), validated against the ISO 20022 schema of its namespace
(camt.053.001.08, or camt.053.001.02 that many banks still send), then read into plain
frozen data. No database: the reconciliation (reconciliation.py) takes it from there.

Every refusal is an ApplicationError naming the reason, for the portal form and the API's 400.
Only booked entries (status BOOK) are kept: pending and information-only entries are not yet
on the account. A statement sent in several pages (MsgPgntn) is refused: it is reconciled
whole or not at all.
"""

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import xmlschema
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from ewtp.common.money import MoneyError, currency_code, minor_units

from ..errors import PaymentsErrorCode as Code

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "iso20022"
NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "camt.053.001.08.xsd",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "camt.053.001.02.xsd",
}
NOT_PROVIDED = "NOTPROVIDED"  # what ISO 20022 messages carry when there is no reference
MAX_PERIOD_DAYS = 93  # a quarter: the hub's own statements cover at most 92 days


@dataclass(frozen=True)
class EntryIn:
    """One booked entry, as the bank books it on the hub's account."""

    entry_reference: str  # NtryRef
    references: tuple[str, ...]  # end-to-end id, the bank's references: any one identifies it
    amount_minor: int  # positive
    credit_debit: str  # CRDT: the bank holds more for the hub
    booked_on: date
    description: str


@dataclass(frozen=True)
class StatementIn:
    statement_id: str
    account_id: str
    currency: str
    period_start: datetime
    period_end: datetime  # exclusive
    opening_minor: int  # signed: negative is overdrawn
    closing_minor: int
    entries: tuple[EntryIn, ...]

    @property
    def fingerprint(self) -> str:
        """What the statement says, hashed: the same statement sent again (even re-issued
        with a new creation time) has the same fingerprint."""
        content = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(content.encode()).hexdigest()


@dataclass(frozen=True)
class MessageIn:
    message_id: str
    statements: tuple[StatementIn, ...]


def refuse(message: str, code: Code) -> ApplicationError:
    return ApplicationError(message, code, extra={"field": "file"})


def camt053_parse(data: bytes) -> MessageIn:
    """The statements of a camt.053 message; raises ApplicationError with the reason."""
    root = _safe_root(data)
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    if namespace not in NAMESPACES or root.tag != f"{{{namespace}}}Document":
        raise refuse(
            _(
                "This is not a camt.053 statement (camt.053.001.08 or .001.02): its root is "
                "%(root)s."
            )
            % {"root": root.tag[:120]},
            Code.STATEMENT_MESSAGE,
        )
    error = next(camt053_schema(namespace).iter_errors(root), None)
    if error is not None:
        raise refuse(
            _("The statement does not follow the %(schema)s schema: %(reason)s (at %(path)s).")
            % {
                "schema": NAMESPACES[namespace][:-4],
                "reason": str(error.reason or error.message)[:300],
                "path": error.path,
            },
            Code.STATEMENT_SCHEMA,
        )
    return _Reader(namespace).message(root)


def _safe_root(data: bytes) -> ET.Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise refuse(
            _("The file declares a DTD or entities (%(kind)s); a statement must not.")
            % {"kind": type(error).__name__},
            Code.STATEMENT_XML_FORBIDDEN,
        ) from None
    except (ET.ParseError, UnicodeError, ValueError) as error:
        raise refuse(
            _("The file is not well-formed XML: %(reason)s.") % {"reason": error},
            Code.STATEMENT_NOT_XML,
        ) from None


_schemas: dict[str, xmlschema.XMLSchema] = {}


def camt053_schema(namespace: str) -> xmlschema.XMLSchema:
    if namespace not in _schemas:
        _schemas[namespace] = xmlschema.XMLSchema(str(SCHEMA_DIR / NAMESPACES[namespace]))
    return _schemas[namespace]


class _Reader:
    """Reads a schema-valid message: the paths are the same in both versions, except an
    entry's status (a code in .02, Sts/Cd in .08)."""

    def __init__(self, namespace: str):
        self.ns = {"c": namespace}

    def text(self, element, path: str) -> str:
        found = element.find(path, self.ns)
        return (found.text or "").strip() if found is not None else ""

    def message(self, root) -> MessageIn:
        message = root.find("c:BkToCstmrStmt", self.ns)
        page = self.text(message, "c:GrpHdr/c:MsgPgntn/c:PgNb")
        last = self.text(message, "c:GrpHdr/c:MsgPgntn/c:LastPgInd")
        if page not in ("", "1") or last == "false":
            raise refuse(
                _("The statement comes in several pages: send it whole, in one message."),
                Code.STATEMENT_CONTENT,
            )
        return MessageIn(
            message_id=self.text(message, "c:GrpHdr/c:MsgId"),
            statements=tuple(self.statement(s) for s in message.findall("c:Stmt", self.ns)),
        )

    def statement(self, element) -> StatementIn:
        statement_id = self.text(element, "c:Id")
        account_id = self.text(element, "c:Acct/c:Id/c:Othr/c:Id") or self.text(
            element, "c:Acct/c:Id/c:IBAN"
        )
        balances = {}
        for balance in element.findall("c:Bal", self.ns):
            code = self.text(balance, "c:Tp/c:CdOrPrtry/c:Cd")
            balances.setdefault(code, balance)
        opening = balances.get("OPBD") or balances.get("PRCD")
        closing = balances.get("CLBD")
        if opening is None or closing is None:
            raise refuse(
                _(
                    "Statement %(statement)s needs its opening (OPBD) and closing (CLBD) "
                    "booked balances."
                )
                % {"statement": statement_id},
                Code.STATEMENT_CONTENT,
            )
        currency = self.text(element, "c:Acct/c:Ccy") or self._amount_currency(opening)
        start, end = self._period(element, opening, closing, statement_id)
        return StatementIn(
            statement_id=statement_id,
            account_id=account_id,
            currency=self._currency(currency),
            period_start=start,
            period_end=end,
            opening_minor=self._signed(opening, currency),
            closing_minor=self._signed(closing, currency),
            entries=tuple(
                self.entry(entry, currency)
                for entry in element.findall("c:Ntry", self.ns)
                if self._status(entry) == "BOOK"
            ),
        )

    def entry(self, element, currency: str) -> EntryIn:
        references = [
            self.text(element, path)
            for path in (
                "c:NtryDtls/c:TxDtls/c:Refs/c:EndToEndId",
                "c:AcctSvcrRef",
                "c:NtryDtls/c:TxDtls/c:Refs/c:AcctSvcrRef",
                "c:NtryDtls/c:TxDtls/c:Refs/c:InstrId",
                "c:NtryDtls/c:TxDtls/c:Refs/c:TxId",
                "c:NtryRef",
            )
        ]
        booked = self._day(element.find("c:BookgDt", self.ns)) or self._day(
            element.find("c:ValDt", self.ns)
        )
        if booked is None:
            raise refuse(
                _("Entry %(entry)s has no booking or value date.")
                % {"entry": self.text(element, "c:NtryRef") or _("(no reference)")},
                Code.STATEMENT_CONTENT,
            )
        return EntryIn(
            entry_reference=self.text(element, "c:NtryRef"),
            references=tuple(dict.fromkeys(r for r in references if r and r != NOT_PROVIDED)),
            amount_minor=self._minor(element.find("c:Amt", self.ns), currency),
            credit_debit=self.text(element, "c:CdtDbtInd"),
            booked_on=booked,
            description=self.text(element, "c:AddtlNtryInf")[:500],
        )

    def _status(self, entry) -> str:
        return self.text(entry, "c:Sts/c:Cd") or self.text(entry, "c:Sts")

    def _amount_currency(self, balance) -> str:
        return balance.find("c:Amt", self.ns).get("Ccy", "")

    def _currency(self, code: str) -> str:
        try:
            return currency_code(code)
        except MoneyError:
            raise refuse(
                _("%(code)s is not a currency.") % {"code": repr(code[:3])},
                Code.STATEMENT_CONTENT,
            ) from None

    def _minor(self, amount, currency: str) -> int:
        if amount.get("Ccy") != currency:
            raise refuse(
                _("An amount in %(amount_currency)s on a statement of a %(currency)s account.")
                % {"amount_currency": amount.get("Ccy"), "currency": currency},
                Code.STATEMENT_CONTENT,
            )
        places = minor_units(currency)
        try:
            value = Decimal(amount.text.strip())
        except (InvalidOperation, AttributeError):
            raise refuse(
                _("%(text)s is not an amount.") % {"text": repr(amount.text)},
                Code.STATEMENT_CONTENT,
            ) from None
        minor = value.scaleb(places)
        if minor != minor.to_integral_value():
            raise refuse(
                _("%(value)s is finer than %(currency)s's %(places)s decimal places.")
                % {"value": value, "currency": currency, "places": places},
                Code.STATEMENT_CONTENT,
            )
        return int(minor)

    def _signed(self, balance, currency: str) -> int:
        minor = self._minor(balance.find("c:Amt", self.ns), currency)
        return -minor if self.text(balance, "c:CdtDbtInd") == "DBIT" else minor

    def _day(self, choice) -> date | None:
        if choice is None:
            return None
        day = self.text(choice, "c:Dt")
        if day:
            return _date(day)
        moment = self.text(choice, "c:DtTm")
        return _utc(moment).date() if moment else None

    def _period(self, element, opening, closing, statement_id) -> tuple[datetime, datetime]:
        start_text = self.text(element, "c:FrToDt/c:FrDtTm")
        if start_text:
            start = _utc(start_text)
            end = _utc(self.text(element, "c:FrToDt/c:ToDtTm"))
            if end.time() != time.min:  # "until 23:59:59": the whole of that second
                end = end.replace(microsecond=0) + timedelta(seconds=1)
        else:  # the days of the opening and the closing balance
            start = datetime.combine(self._day(opening.find("c:Dt", self.ns)), time.min, UTC)
            last = self._day(closing.find("c:Dt", self.ns))
            end = datetime.combine(last + timedelta(days=1), time.min, UTC)
        if not start < end <= start + timedelta(days=MAX_PERIOD_DAYS):
            raise refuse(
                _(
                    "Statement %(statement)s covers %(start)s to %(end)s: a period of up to "
                    "%(days)s days is reconciled."
                )
                % {
                    "statement": statement_id,
                    "start": f"{start:%Y-%m-%d %H:%M}",
                    "end": f"{end:%Y-%m-%d %H:%M}",
                    "days": MAX_PERIOD_DAYS,
                },
                Code.STATEMENT_CONTENT,
            )
        return start, end


def _date(text: str) -> date:
    """An ISO 20022 date (xs:date may carry a time zone: the day is the day written)."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise refuse(
            _("%(text)s is not a date.") % {"text": repr(text[:40])}, Code.STATEMENT_CONTENT
        ) from None


def _utc(text: str) -> datetime:
    """An ISO 20022 date-time; one without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise refuse(
            _("%(text)s is not a date and time.") % {"text": repr(text[:40])},
            Code.STATEMENT_CONTENT,
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
