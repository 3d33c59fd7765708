"""Load the demo world: two hubs on the KUL–HGH e-road, one user per role, one API client.

Safe to run again: existing rows are kept, and every demo password and the API secret are
renewed and printed, so the person starting the demo always has working credentials.
"""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from ewtp.common.models import ApiClient
from ewtp.common.services import api_client_create, api_client_secret_rotate
from hubs.models import Hub, Membership, Organization, User
from hubs.roles import ROLE_LABELS, roles_of
from hubs.services.network import eroad_open, hub_open
from hubs.services.organizations import organization_create

DEMO_DOMAIN = "demo.ewtp-hub.example"
BANK_NAME = "Demo Partner Bank"
BANK_SCOPES = ["hubs:read", "payments:read", "payments:write", "credit:read", "credit:write"]

# (email, full name, official role, posted hub, superuser)
OFFICIALS = [
    (f"admin@{DEMO_DOMAIN}", "Hub Administrator", "", None, True),
    (f"officer@{DEMO_DOMAIN}", "Aisyah Rahman", "mdec_officer", None, False),
    (f"customs.kul@{DEMO_DOMAIN}", "Kumar Subramaniam", "customs_officer", "KUL", False),
    (f"operator.kul@{DEMO_DOMAIN}", "Lim Wei Jie", "hub_operator", "KUL", False),
    (f"customs.hgh@{DEMO_DOMAIN}", "Zhang Min", "customs_officer", "HGH", False),
]
# (legal name, country, home hub, [(email, full name, membership role)])
ORGANIZATIONS = [
    (
        "Batik Nusantara Sdn. Bhd.",
        "MY",
        "KUL",
        [
            (f"owner@{DEMO_DOMAIN}", "Nurul Huda", Membership.Role.OWNER),
            (f"staff@{DEMO_DOMAIN}", "Farid Ismail", Membership.Role.STAFF),
        ],
    ),
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "CN",
        "HGH",
        [
            (f"buyer@{DEMO_DOMAIN}", "Chen Jing", Membership.Role.OWNER),
        ],
    ),
]


class Command(BaseCommand):
    help = "Load demo hubs, e-roads, one user per role and a partner-bank API client."

    def handle(self, *args, **options):
        with transaction.atomic():
            hubs = {code: self._hub(code) for code in ("KUL", "HGH")}
            eroad_open(origin=hubs["KUL"], destination=hubs["HGH"], transit_days=3)
            eroad_open(origin=hubs["HGH"], destination=hubs["KUL"], transit_days=3)
            passwords = {}
            for email, name, role, hub_code, superuser in OFFICIALS:
                user = self._user(email, name, passwords)
                user.official_role = role
                user.official_hub = hubs[hub_code] if hub_code else None
                user.is_staff = user.is_superuser = superuser
                user.save()
            for legal_name, country, hub_code, members in ORGANIZATIONS:
                self._organization(legal_name, country, hubs[hub_code], members, passwords)
            issued = self._bank_client()
        self._print(passwords, issued)

    def _hub(self, code):
        return Hub.objects.filter(code=code).first() or hub_open(iata_code=code)

    def _user(self, email, full_name, passwords):
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        password = f"demo-{secrets.token_urlsafe(9)}"
        user.set_password(password)
        user.save()
        passwords[email] = password
        return user

    def _organization(self, legal_name, country, hub, members, passwords):
        owner_email, owner_name, _ = members[0]
        owner = self._user(owner_email, owner_name, passwords)
        organization = Organization.objects.filter(legal_name=legal_name).first()
        if organization is None:
            organization = organization_create(
                legal_name=legal_name, country=country, home_hub=hub, owner=owner
            )
        for email, name, role in members[1:]:
            user = self._user(email, name, passwords)
            Membership.objects.get_or_create(
                user=user, organization=organization, defaults={"role": role}
            )

    def _bank_client(self):
        client = ApiClient.objects.filter(application__name=BANK_NAME).first()
        if client is None:
            return api_client_create(name=BANK_NAME, kind=ApiClient.Kind.BANK, scopes=BANK_SCOPES)
        return api_client_secret_rotate(client=client)

    def _print(self, passwords, issued):
        out = self.stdout
        out.write(
            self.style.SUCCESS("\nDemo data loaded. Sign in with (passwords are new on every run):")
        )
        for email, password in passwords.items():
            user = User.objects.get(email=email)
            roles = ", ".join(str(ROLE_LABELS[r]) for r in sorted(roles_of(user)))
            out.write(f"  {roles:<28} {email:<40} {password}")
        out.write(self.style.SUCCESS("\nPartner-bank API client (OAuth2 client credentials):"))
        out.write(f"  client_id     {issued.client_id}")
        out.write(f"  client_secret {issued.client_secret}")
        out.write(f"  scopes        {' '.join(BANK_SCOPES)}\n")
