"""Writes of the LVG registration (customs/models/lvg.py names the law): a seller's owner
enters its registration as the Royal Malaysian Customs Department notified it, corrects it
or records its cancellation, each audited; a declaration that says its goods were sold by a
registered seller is checked against the registration in force on its date; and the
threshold watch tells an unregistered seller by e-mail, once, when its LVG sales reach
80 % of the registration threshold and once when they pass it."""

import datetime
import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.states import state_change
from hubs.models import Organization
from hubs.roles import Perm, can_act_for
from hubs.selectors.organizations import owner_emails

from ..errors import CustomsErrorCode
from ..lvg import (
    LvgSales,
    lvg_registered_on,
    lvg_registration_in_force,
    lvg_sales_total,
    lvg_sales_totals,
)
from ..models import LvgRegistration, LvgThresholdNotice
from ..models.lvg import LVG_NUMBER_PATTERN

logger = logging.getLogger(__name__)

# Sellers could register for LVG from 1 January 2023, a year before the tax was charged
# (RMCD, Guidelines on the Implementation of Sales Tax on Low Value Goods, 3 November 2023).
REGISTRATION_OPENED = datetime.date(2023, 1, 1)
# how far ahead a registration may be entered (a notice names a date in the coming months)
AHEAD = datetime.timedelta(days=366)


@dataclass(frozen=True)
class LvgRegistrationRequest:
    number: str
    effective_from: datetime.date
    period_ends: int = LvgRegistration.PeriodEnds.MARCH


def _invalid(message: str, field: str):
    raise ApplicationError(message, CustomsErrorCode.LVG_INVALID, extra={"field": field})


def lvg_number_clean(number: str) -> str:
    """The number as the notice prints it, in capitals, without spaces; refused unless it is
    5 to 20 letters and digits (hyphens between them allowed)."""
    cleaned = re.sub(r"\s+", "", number or "").upper()
    if not re.fullmatch(LVG_NUMBER_PATTERN, cleaned):
        _invalid(
            _(
                "Enter the LVG registration number as on the customs notice of registration: "
                "5 to 20 letters and digits, hyphens allowed between them."
            ),
            "number",
        )
    return cleaned


def _check(organization, request: LvgRegistrationRequest, actor, correcting=None) -> str:
    if not can_act_for(actor, organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners enter its LVG registration."),
            CustomsErrorCode.LVG_NOT_OWNER,
        )
    number = lvg_number_clean(request.number)
    latest = timezone.localdate() + AHEAD
    if not REGISTRATION_OPENED <= request.effective_from <= latest:
        _invalid(
            _("The registration is effective from a date between %(first)s and %(last)s.")
            % {"first": REGISTRATION_OPENED.isoformat(), "last": latest.isoformat()},
            "effective_from",
        )
    if request.period_ends not in LvgRegistration.PeriodEnds.values:
        _invalid(_("Choose the months your taxable periods end in."), "period_ends")
    _after_the_last(organization, request.effective_from, correcting)
    return number


def _after_the_last(organization, effective_from: datetime.date, correcting=None) -> None:
    """A registration starts no earlier than the seller's last cancelled one (other than the
    one being corrected) stopped applying, so that one date never has two."""
    ended = (
        LvgRegistration.objects.filter(organization=organization, cancelled_from__isnull=False)
        .exclude(pk=getattr(correcting, "pk", None))
        .order_by("-cancelled_from")
        .values_list("cancelled_from", flat=True)
        .first()
    )
    if ended is not None and effective_from < ended:
        _invalid(
            _("Your previous registration applied until %(day)s: the new one starts after it.")
            % {"day": (ended - datetime.timedelta(days=1)).isoformat()},
            "effective_from",
        )


def _number_taken(error: IntegrityError):
    raise ConflictError(
        _(
            "This organisation has an LVG registration in force already, or the number is "
            "another seller's: correct or cancel the registration in force."
        ),
        CustomsErrorCode.LVG_IN_FORCE,
        extra={"field": "number"},
    ) from error


def lvg_registration_enter(
    *, organization, request: LvgRegistrationRequest, actor
) -> LvgRegistration:
    """An owner enters the seller's registration. One registration is in force at a time
    (a database constraint, so two entries at once cannot both succeed)."""
    number = _check(organization, request, actor)
    try:
        with transaction.atomic():
            registration = LvgRegistration.objects.create(
                organization=organization,
                number=number,
                effective_from=request.effective_from,
                period_ends=request.period_ends,
            )
            audit_record(
                actor=actor,
                action="customs.lvg_registration.entered",
                target=registration,
                data={
                    "number": number,
                    "effective_from": request.effective_from.isoformat(),
                    "period_ends": request.period_ends,
                },
            )
    except IntegrityError as error:
        _number_taken(error)
    return registration


def lvg_registration_correct(
    *, registration: LvgRegistration, request: LvgRegistrationRequest, reason: str, actor
) -> LvgRegistration:
    """An owner corrects the registration in force (a mistyped number or date). Declarations
    already filed keep the number they were filed with."""
    number = _check(registration.organization, request, actor, correcting=registration)
    if not reason.strip():
        _invalid(_("Say what the correction corrects."), "reason")
    try:
        with transaction.atomic():
            locked = LvgRegistration.objects.select_for_update().get(pk=registration.pk)
            if locked.status != LvgRegistration.Status.IN_FORCE:
                raise ConflictError(
                    _("This registration is cancelled: it is kept as it was."),
                    CustomsErrorCode.LVG_CANCELLED,
                )
            fields = {
                "number": number,
                "effective_from": request.effective_from,
                "period_ends": request.period_ends,
            }
            before = {name: getattr(locked, name) for name in fields}
            if before == fields:
                return locked
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
            audit_record(
                actor=actor,
                action="customs.lvg_registration.corrected",
                target=locked,
                reason=reason.strip()[:500],
                data={
                    "before": {k: str(v) for k, v in before.items()},
                    "after": {k: str(v) for k, v in fields.items()},
                },
            )
    except IntegrityError as error:
        _number_taken(error)
    return locked


def lvg_registration_cancel(
    *, registration: LvgRegistration, cancelled_from: datetime.date, reason: str, actor
) -> LvgRegistration:
    """An owner records that the registration was cancelled: from ``cancelled_from`` the
    seller no longer charges LVG sales tax; the days before keep it (and their returns).
    Cancelling a cancelled registration changes nothing."""
    if not can_act_for(actor, registration.organization, Perm.ORGANIZATION_MANAGE):
        raise NotAllowedError(
            _("Only the organisation's owners enter its LVG registration."),
            CustomsErrorCode.LVG_NOT_OWNER,
        )
    if not reason.strip():
        _invalid(_("Give the reason for the cancellation."), "reason")
    return lvg_registration_transition(
        registration=registration,
        to=LvgRegistration.Status.CANCELLED,
        actor=actor,
        reason=reason,
        cancelled_from=cancelled_from,
    )


def _refusal(registration: LvgRegistration, to: str) -> ConflictError:
    return ConflictError(
        _("The LVG registration %(number)s is %(status)s: it cannot become %(to)s.")
        % {
            "number": registration.number,
            "status": registration.get_status_display(),
            "to": LvgRegistration.Status(to).label,
        },
        CustomsErrorCode.LVG_CANCELLED,
    )


def lvg_registration_transition(
    *,
    registration: LvgRegistration,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    cancelled_from: datetime.date | None = None,
) -> LvgRegistration:
    """Move a registration along LvgRegistration.TRANSITIONS, audited as
    ``customs.lvg_registration.<to>``. Cancelled from ``cancelled_from`` (its effective date
    or later: the days before keep the registration) for ``reason``. Returns the locked row;
    unchanged when it is there already."""
    reason = reason.strip()[:500]

    def from_its_effective_date(locked: LvgRegistration) -> None:
        if cancelled_from is None or cancelled_from < locked.effective_from:
            _invalid(
                _("A registration is cancelled from its effective date (%(day)s) or later.")
                % {"day": locked.effective_from.isoformat()},
                "cancelled_from",
            )

    def cancel(locked: LvgRegistration, _before: str) -> list[str]:
        locked.cancelled_from, locked.cancel_reason = cancelled_from, reason
        return ["cancelled_from", "cancel_reason"]

    cancelling = to == LvgRegistration.Status.CANCELLED
    locked, _moved = state_change(
        registration,
        to,
        refusal=_refusal,
        action=f"customs.lvg_registration.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data={"cancelled_from": cancelled_from.isoformat()} if cancelling else None,
        apply=cancel if cancelling else None,
        guard=from_its_effective_date if cancelling else None,
    )
    return locked


def lvg_number_in_force(*, organization, on: datetime.date) -> str:
    """The number of the seller's registration in force on ``on`` ("" when none)."""
    registration = lvg_registration_in_force(organization=organization, on=on)
    return registration.number if registration is not None else ""


def lvg_registration_check(*, organization, number: str, on: datetime.date) -> None:
    """A declaration that says its goods were sold online by a registered seller names the
    seller's registration in force on the declaration date; otherwise the goods take the
    general treatment (customs/services/duty.py), and the declaration is refused as it
    stands."""
    registration = lvg_registration_in_force(organization=organization, on=on)
    if registration is None or registration.number != number:
        raise ApplicationError(
            _(
                "The seller has no LVG registration in force on %(day)s under this number: its "
                "goods are not charged the sales tax on low value goods. Enter the "
                "registration first, or declare the goods without it."
            )
            % {"day": on.isoformat()},
            CustomsErrorCode.LVG_NOT_REGISTERED,
            extra={"field": "sold_online_by_registered_seller"},
        )


# --- the threshold watch -------------------------------------------------------------------


def lvg_threshold_watch(*, organization, on: datetime.date | None = None) -> list[int]:
    """Tell the seller's owners when its LVG sales reach 80 % of the registration threshold,
    and when they pass it: each once (LvgThresholdNotice's unique constraint makes that a
    database fact, so a repeated or concurrent run sends nothing more). A seller registered
    on ``on`` is told nothing. Returns the marks newly reached."""
    on = on or timezone.localdate()
    if lvg_registration_in_force(organization=organization, on=on) is not None:
        return []
    return _notify(organization, lvg_sales_total(organization=organization, on=on))


def lvg_threshold_sweep(*, on: datetime.date | None = None) -> list[int]:
    """The beat's daily watch over every unregistered seller with LVG sales in the window,
    not yet told it passed the threshold. Returns the ids of the sellers newly told."""
    on = on or timezone.localdate()
    totals = lvg_sales_totals(on=on)
    registered = lvg_registered_on(on=on, organization_ids=list(totals))
    told = set(
        LvgThresholdNotice.objects.filter(
            organization_id__in=list(totals), mark=LvgThresholdNotice.Mark.REACHED
        ).values_list("organization_id", flat=True)
    )
    waiting = [pk for pk in totals if pk not in registered and pk not in told]
    newly = []
    for organization in Organization.objects.filter(pk__in=waiting).order_by("pk"):
        try:
            if lvg_threshold_watch(organization=organization, on=on):
                newly.append(organization.pk)
        except Exception:  # one seller's failure never stops the others' notices
            logger.exception("lvg: threshold watch failed for organisation %s", organization.pk)
    return newly


def _notify(organization, sales: LvgSales) -> list[int]:
    """Record each mark reached once, and e-mail the highest newly reached (a seller who
    passes both marks between two runs is told once, that it passed the threshold)."""
    reached = []
    with transaction.atomic():  # the notice and its e-mail are stored together, or neither
        for mark in (m for m in LvgThresholdNotice.Mark.values if m <= sales.mark):
            _notice, created = LvgThresholdNotice.objects.get_or_create(
                organization=organization,
                mark=mark,
                defaults={"total": sales.total, "threshold": sales.threshold},
            )
            if created:
                reached.append(mark)
        if reached:
            _email(organization, sales, max(reached))
    return reached


def _email(organization, sales: LvgSales, mark: int) -> None:
    figures = {
        "seller": organization.legal_name,
        "total": number_format(sales.total, 2, force_grouping=True),
        "threshold": number_format(sales.threshold, 0, force_grouping=True),
        "share": sales.share_percent,
        "since": sales.since.isoformat(),
        "until": sales.until.isoformat(),
        "law": sales.legal_source,
    }
    if mark == LvgThresholdNotice.Mark.REACHED:
        subject = _("eWTP Hub: %(seller)s must register for sales tax on low value goods")
        body = _(
            "From %(since)s to %(until)s, %(seller)s sold low value goods brought into "
            "Malaysia for RM%(total)s, more than the RM%(threshold)s over which a seller is "
            "liable to be registered (%(law)s).\n\nRegister with the Royal Malaysian Customs "
            "Department, then enter the registration number on the hub (Declarations, LVG "
            "registration): from its effective date your sales into Malaysia are charged the "
            "sales tax on low value goods, and you file a return for each taxable period."
        )
    else:
        subject = _("eWTP Hub: %(seller)s nears the LVG registration threshold")
        body = _(
            "From %(since)s to %(until)s, %(seller)s sold low value goods brought into "
            "Malaysia for RM%(total)s, %(share)s %% of the RM%(threshold)s over which a seller "
            "is liable to be registered (%(law)s).\n\nPrepare to register with the Royal "
            "Malaysian Customs Department; once registered, enter the number on the hub "
            "(Declarations, LVG registration)."
        )
    email_after_commit(
        to=owner_emails(organization), subject=subject % figures, body=body % figures
    )
