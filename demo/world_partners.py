"""The demo's partners on the API: a partner bank and a sales channel, each with its
credentials renewed on every seed, and the hub's collection accounts at that bank (one per
payment currency, fictitious and named so)."""

from django.conf import settings

from ewtp.common.api_clients import api_client_create, api_client_secret_rotate, api_client_update
from ewtp.common.models import ApiClient
from payments.models import CollectionAccount
from payments.selectors import collection_account_for
from payments.services.collection_accounts import collection_account_save

# the demo partner bank's SWIFT/BIC: ISO 9362's shape (bank DEMO, Malaysia, Kuala Lumpur)
DEMO_BANK_BIC = "DEMOMYKL"
BANK_SCOPES = [
    "hubs:read",
    "statements:read",
    "statements:write",
    "treasury:read",
    "payments:write",
    "payouts:read",
    "payouts:write",
    "credit:read",
    "credit:write",
    "webhooks:manage",
]
API_CLIENTS = [
    ("Demo Partner Bank", ApiClient.Kind.BANK, BANK_SCOPES),
    (
        "Demo Marketplace",
        ApiClient.Kind.CHANNEL,
        [
            "hubs:read",
            "products:read",
            "orders:read",
            "orders:write",
            "tracking:read",
            "customs:read",
            "customs:quote",
            "webhooks:manage",
        ],
    ),
]


def collection_accounts_open(bank: ApiClient) -> None:
    """The accounts the payment page and the API tell buyers to pay into: at the demo bank,
    one per payment currency, each plainly a demo (its name and its number say so). A
    currency that already has one in use keeps it."""
    for currency in settings.PAYMENT_CURRENCIES:
        if collection_account_for(currency) is not None:
            continue
        collection_account_save(
            account=CollectionAccount(
                bank=bank,
                currency=currency,
                account_name=f"eWTP Hub DEMO collection {currency}",
                account_number=f"DEMO{currency}000000000",
                bic=DEMO_BANK_BIC,
            ),
            actor=None,
            actor_label="demo",
        )


def api_client_issue(name, kind, scopes):
    """The client of that name with a new secret (made if new, its scopes brought up to
    date): a seed's credentials are printed once, like any client's."""
    client = ApiClient.objects.filter(application__name=name).first()
    if client is None:
        return api_client_create(name=name, kind=kind, scopes=scopes)
    if set(client.scope_list) != set(scopes):  # a demo world from an older release
        api_client_update(client=client, is_active=True, scopes=scopes)
    return api_client_secret_rotate(client=client)
