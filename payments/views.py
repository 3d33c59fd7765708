"""The SME's account statement in the portal."""

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from hubs.roles import OrganizationMixin, Perm

from . import selectors


class StatementView(OrganizationMixin, TemplateView):
    """Balances per currency, and the statement of one currency's account."""

    permission = Perm.ORGANIZATION_VIEW
    template_name = "payments/statement.html"

    def get_context_data(self, **kwargs):
        accounts = list(selectors.accounts_of(organization=self.organization))
        chosen = next((a for a in accounts if a.currency == self.request.GET.get("currency")), None)
        chosen = chosen or (accounts[0] if accounts else None)
        page = None
        if chosen is not None:
            page = Paginator(selectors.account_statement(account=chosen), 50).get_page(
                self.request.GET.get("page")
            )
        return super().get_context_data(accounts=accounts, account=chosen, page_obj=page, **kwargs)
