"""What waits on the customs side (hubs.todo): the documents customs asked a trader for, the
drafts it has not submitted; the officers' queues at their hub."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from hubs.roles import Perm, can_act_for, has_permission
from hubs.todo import TODO_LIMIT, Todo

from .models import Declaration, DeclarationDocument, DeclarationNote
from .models.risk import Lane
from .selectors import QUEUED
from .services.inspection import OPEN


def declaration_todos(*, user, organization, order=None) -> list[Todo]:
    items = []
    if organization is not None and can_act_for(user, organization, Perm.ORDERS_TRADE):
        items += _trader_todos(organization, order)
    if order is None and has_permission(user, Perm.CUSTOMS_WORKBENCH) and user.official_hub_id:
        items += _officer_todos(user.official_hub)
    return items


def documents_asked(*, organization, order=None):
    """The organisation's open declarations where customs asked for documents after the last
    one it supplied, oldest request first."""
    asked = DeclarationNote.objects.filter(
        declaration=OuterRef("pk"), kind=DeclarationNote.Kind.DOCUMENTS_REQUESTED
    ).order_by("-created_at")
    declarations = Declaration.objects.filter(organization=organization, status__in=OPEN)
    if order is not None:
        declarations = declarations.filter(order=order)
    return (
        declarations.annotate(asked_at=Subquery(asked.values("created_at")[:1]))
        .filter(asked_at__isnull=False)
        .exclude(
            Exists(
                DeclarationDocument.objects.filter(
                    declaration=OuterRef("pk"), created_at__gte=OuterRef("asked_at")
                )
            )
        )
        .order_by("asked_at", "id")
    )


def _trader_todos(organization, order) -> list[Todo]:
    items = [
        Todo(
            _("Customs asks for documents for declaration %(reference)s.")
            % {"reference": declaration.reference},
            _("Send the documents"),
            reverse("customs:my_declaration", args=[declaration.reference]),
            order=order.reference if order is not None else "",
            since=declaration.asked_at,
        )
        for declaration in documents_asked(organization=organization, order=order)[:TODO_LIMIT]
    ]
    drafts = Declaration.objects.filter(organization=organization, status=Declaration.Status.DRAFT)
    if order is not None:
        drafts = drafts.filter(order=order)
    items += [
        Todo(
            _("Declaration %(reference)s is a draft: check it and submit it to customs.")
            % {"reference": declaration.reference},
            _("Submit to customs"),
            reverse("customs:my_declaration", args=[declaration.reference]),
            order=order.reference if order is not None else "",
            since=declaration.created_at,
        )
        for declaration in drafts.order_by("created_at", "id")[:TODO_LIMIT]
    ]
    return items


def _officer_todos(hub) -> list[Todo]:
    counts = Declaration.objects.filter(hub=hub).aggregate(
        yellow=Count("pk", filter=Q(status__in=QUEUED, lane=Lane.YELLOW)),
        red=Count("pk", filter=Q(status__in=QUEUED, lane=Lane.RED)),
        classify=Count("pk", filter=Q(status=Declaration.Status.CLASSIFY)),
    )
    workbench = reverse("customs:workbench")
    queues = [
        (
            counts["yellow"],
            _("%(count)d declaration(s) in the yellow lane wait for a document check."),
            f"{workbench}?lane={Lane.YELLOW}",
        ),
        (
            counts["red"],
            _("%(count)d declaration(s) in the red lane wait for an inspection."),
            f"{workbench}?lane={Lane.RED}",
        ),
        (
            counts["classify"],
            _("%(count)d import declaration(s) wait for goods to be classified."),
            f"{workbench}?queue=classification",
        ),
    ]
    return [Todo(title % {"count": n}, _("Open the queue"), url) for n, title, url in queues if n]
