"""The partner-bank API for statements of the hub's accounts held at the bank (camt.053)."""

from datetime import date, timedelta

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.fields import MoneyField
from ewtp.common.api.permissions import HasMethodScope
from ewtp.common.errors import CommonErrorCode
from ewtp.common.http import attachment

from ..services.statements import (
    STATEMENT_MAX_DAYS,
    STATEMENT_PAGE_SIZE,
    account_identifier,
    bank_accounts,
    bank_statement,
    camt053_render,
)
from .views import IsBankClient


class AccountOutput(serializers.Serializer):
    class Meta:
        ref_name = "BankAccount"

    id = serializers.CharField(help_text="As in the camt.053 Acct/Id")
    currency = serializers.CharField()
    balance = MoneyField(
        help_text="What you should hold for the hub: now, or at the close of a statement "
        "(negative: overdrawn).",
    )


def _account_output(account, balance) -> dict:
    return {"id": account_identifier(account), "currency": account.currency, "balance": balance}


class EntryOutput(serializers.Serializer):
    class Meta:
        ref_name = "StatementEntry"

    entry_reference = serializers.CharField(source="reference")
    booked_at = serializers.DateTimeField()
    value_date = serializers.SerializerMethodField()
    amount = MoneyField()
    credit_debit = serializers.ChoiceField(
        choices=["CRDT", "DBIT"], help_text="As you book it on the hub's account."
    )
    status = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="payment, payout, refund, reversal, …")
    reference = serializers.CharField(
        source="transaction_reference",
        help_text="Order and bank reference of a payment or refund; end-to-end id of a payout.",
    )
    additional_info = serializers.CharField(source="description")

    def get_value_date(self, entry) -> date:
        return entry.booked_at.date()

    def get_status(self, entry) -> str:
        return "BOOK"


class BalanceOutput(serializers.Serializer):
    class Meta:
        ref_name = "StatementBalance"

    type = serializers.ChoiceField(choices=["OPBD", "CLBD"], help_text="Opening / closing booked")
    amount = MoneyField()
    credit_debit = serializers.ChoiceField(choices=["CRDT", "DBIT"])
    date = serializers.DateField()


class StatementOutput(serializers.Serializer):
    class Meta:
        ref_name = "BankStatement"

    class Pagination(serializers.Serializer):
        class Meta:
            ref_name = "StatementPagination"

        page = serializers.IntegerField()
        last_page = serializers.BooleanField()
        entries_per_page = serializers.IntegerField()
        total_entries = serializers.IntegerField()

    id = serializers.CharField()
    created_at = serializers.DateTimeField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    account = AccountOutput()
    pagination = Pagination()
    balances = BalanceOutput(many=True)
    entries = EntryOutput(many=True)


EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
MAX_PAGE = 99_999


class StatementQuery(serializers.Serializer):
    # camt.053 numbers pages with at most 5 digits
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1)

    def get_fields(self):
        # "from" is a Python keyword, so these cannot be declared as attributes
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        for name in ("from", "to"):
            if name in attrs and not EARLIEST <= attrs[name] <= LATEST:
                raise serializers.ValidationError(
                    {name: [f"A date from {EARLIEST} to {LATEST}."]}, code=CommonErrorCode.INVALID
                )
        return attrs


# A day of the years 2000 to 2999 (EARLIEST, LATEST), as the schema states it.
DAY = {"type": "string", "format": "date", "pattern": "^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"}
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        DAY,
        description=f"First day (UTC), {EARLIEST} to {LATEST}; default: yesterday",
        required=False,
    ),
    OpenApiParameter(
        "to",
        DAY,
        description=f"Last day (UTC), inclusive, not before `from`; default: the first day. "
        f"At most {STATEMENT_MAX_DAYS} days.",
        required=False,
    ),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        description=f"{STATEMENT_PAGE_SIZE} entries per page; default 1",
        required=False,
    ),
]
CURRENCY = OpenApiParameter(
    "currency",
    {"type": "string", "pattern": "^[A-Z]{3}$"},
    OpenApiParameter.PATH,
    description="ISO 4217 code of the account (404 if the hub holds none in it with you)",
)


def _statement(request, currency):
    query = StatementQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    date_from = values.get("from") or date.today() - timedelta(days=1)
    return bank_statement(
        bank=request.auth.application.api_client,
        currency=currency,
        date_from=date_from,
        date_to=values.get("to") or date_from,
        page=values["page"],
    )


class BankAccountListApi(APIView):
    """The hub's accounts at your bank, one per currency, with their balances."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["statements:read"]}

    @extend_schema(
        operation_id="statement_accounts", responses=AccountOutput(many=True), tags=["statements"]
    )
    def get(self, request):
        accounts = bank_accounts(bank=request.auth.application.api_client)
        return Response(
            AccountOutput([_account_output(a, a.balance) for a in accounts], many=True).data
        )


class StatementApi(APIView):
    """A statement of one account, modelled on camt.053: booked opening and closing balances
    and every entry, as you book them on the hub's account (a payment received is CRDT)."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["statements:read"]}

    @extend_schema(
        operation_id="statement_read",
        parameters=[CURRENCY, *PERIOD_PARAMETERS],
        responses=StatementOutput,
        tags=["statements"],
    )
    def get(self, request, currency):
        statement = _statement(request, currency)
        balances = [
            {"type": code, "amount": abs(money), "date": day}
            | {"credit_debit": "CRDT" if money.amount >= 0 else "DBIT"}
            for code, money, day in (
                ("OPBD", statement.opening, statement.date_from),
                ("CLBD", statement.closing, statement.date_to),
            )
        ]
        return Response(
            StatementOutput(
                {
                    "id": statement.id,
                    "created_at": statement.created_at,
                    "date_from": statement.date_from,
                    "date_to": statement.date_to,
                    "account": _account_output(statement.account, statement.closing),
                    "pagination": {
                        "page": statement.page,
                        "last_page": statement.last_page,
                        "entries_per_page": STATEMENT_PAGE_SIZE,
                        "total_entries": statement.total_entries,
                    },
                    "balances": balances,
                    "entries": statement.entries,
                }
            ).data
        )


class StatementFileApi(APIView):
    """The same statement as an ISO 20022 camt.053.001.08 XML file."""

    permission_classes = [HasMethodScope, IsBankClient]
    scopes = {"GET": ["statements:read"]}

    @extend_schema(
        operation_id="statement_camt053",
        parameters=[CURRENCY, *PERIOD_PARAMETERS],
        tags=["statements"],
        responses={(200, "application/xml"): OpenApiResponse(description="camt.053.001.08 XML")},
    )
    def get(self, request, currency):
        statement = _statement(request, currency)
        return attachment(
            camt053_render(statement=statement),
            content_type="application/xml",
            filename=f"{statement.id}.xml",
        )
