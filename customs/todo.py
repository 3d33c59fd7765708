"""What waits on the customs side (hubs.todo): the documents customs asked a trader for, the
drafts it has not submitted; the officers' queues at their hub, audits after clearance and
origin declarations waiting for their certificate included; an unregistered seller nearing
the LVG registration threshold."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from hubs.roles import Perm, can_act_for, has_permission
from hubs.todo import TODO_LIMIT, Todo

from .lvg import lvg_registration_in_force, lvg_sales_total
from .models import Declaration, DeclarationDocument, DeclarationNote, PostClearanceAudit
from .models.risk import Lane
from .origin import origin_queue_count
from .selectors import QUEUED
from .services.inspection import OPEN


def declaration_todos(*, user, organization, order=None) -> list[Todo]:
    items = []
    if organization is not None and can_act_for(user, organization, Perm.ORDERS_TRADE):
        items += _trader_todos(organization, order)
    if order is None and can_act_for(user, organization, Perm.ORGANIZATION_MANAGE):
        items += _lvg_todos(organization)
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
        audit=Count(
            "post_clearance_audit",
            filter=Q(post_clearance_audit__status=PostClearanceAudit.Status.TO_AUDIT),
        ),
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
        (
            counts["audit"],
            _("%(count)d released declaration(s) wait for a post-clearance audit."),
            f"{workbench}?queue=audit",
        ),
    ]
    queues.append(
        (
            origin_queue_count(hub=hub),
            _("%(count)d origin declaration(s) wait for a certificate of origin."),
            reverse("customs:origin_queue"),
        )
    )
    return [Todo(title % {"count": n}, _("Open the queue"), url) for n, title, url in queues if n]


def _lvg_todos(organization) -> list[Todo]:
    """An unregistered seller whose LVG sales into Malaysia reached 80 % of the registration
    threshold in 12 months is told to register (customs/models/lvg.py names the law)."""
    today = timezone.localdate()
    if lvg_registration_in_force(organization=organization, on=today) is not None:
        return []
    sales = lvg_sales_total(organization=organization, on=today)
    if not sales.mark:
        return []
    figures = {
        "total": number_format(sales.total, 2, force_grouping=True),
        "threshold": number_format(sales.threshold, 0, force_grouping=True),
        "share": sales.share_percent,
    }
    if sales.mark == 100:
        title = _(
            "Your sales of low value goods into Malaysia reached RM%(total)s in 12 months, over "
            "the RM%(threshold)s threshold: register for the sales tax on low value goods."
        )
    else:
        title = _(
            "Your sales of low value goods into Malaysia reached RM%(total)s in 12 months, "
            "%(share)s %% of the RM%(threshold)s over which you must register for the sales "
            "tax on low value goods."
        )
    return [
        Todo(title % figures, _("Enter your LVG registration"), reverse("customs:lvg_registration"))
    ]
