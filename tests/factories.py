"""Factories for the hub's models. Hubs are opened through the service, from airport data."""

import factory
from factory.django import DjangoModelFactory

from ewtp.common.services import api_client_create
from hubs.models import Hub, Membership, Organization, User
from hubs.services.network import hub_open

TEST_PASSWORD = "correct-horse-battery-9"


def hub(code: str = "KUL") -> Hub:
    return Hub.objects.filter(code=code).first() or hub_open(iata_code=code)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Exporter {n} Sdn. Bhd.")
    country = "MY"
    home_hub = factory.LazyFunction(lambda: hub("KUL"))


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.OWNER


def api_client(*, scopes=("hubs:read",), kind="bank", name="Test Bank"):
    return api_client_create(name=name, kind=kind, scopes=list(scopes))
