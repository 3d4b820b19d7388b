"""Labs, their cohorts (기수), who belongs to them with which role, and invitation links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from members.models import new_calendar_token


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private")
    PUBLIC = "public", _("Public")


class Lab(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    external_id = models.CharField(
        _("external id"), max_length=120, null=True, blank=True, unique=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("lab")
        verbose_name_plural = _("labs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=[c.value for c in Visibility]),
                name="lab_visibility_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("labs:lab_detail", kwargs={"slug": self.slug})


class CohortStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", pgettext_lazy("cohort status", "Active")
    FINISHED = "finished", _("Finished")


class Cohort(TimeStampedModel):
    """One generation (기수) of a lab: 3기, 4기, … each a few months long."""

    lab = models.ForeignKey(
        Lab, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("lab")
    )
    number = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=10, choices=CohortStatus.choices, default=CohortStatus.PLANNED
    )
    # Members may give a slot back until this many hours before its meeting; after that
    # only a swap or a leader changes who presents.
    release_cutoff_hours = models.PositiveSmallIntegerField(
        _("give-back cutoff (hours)"), default=48
    )
    # Secret for the cohort's calendar feed URL (members subscribe; leaders can reset it).
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    # NULL, not "", means "no external id", so unset ids never collide in the unique constraint.
    external_id = models.CharField(_("external id"), max_length=120, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["lab_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "number"], name="cohort_number_unique_per_lab"),
            models.UniqueConstraint(
                fields=["lab", "external_id"], name="cohort_external_id_unique_per_lab"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="cohort_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="cohort_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in CohortStatus]), name="cohort_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        # "5기" in Korean, "Cohort 5" in English.
        base = _("Cohort %(number)s") % {"number": self.number}
        return f"{base} · {self.name}" if self.name else str(base)

    def get_absolute_url(self) -> str:
        return reverse("labs:cohort_detail", kwargs={"slug": self.lab.slug, "number": self.number})


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    FACILITATOR = "facilitator", _("Facilitator")
    MEMBER = "member", _("Member")
    GUEST = "guest", _("Guest")


MANAGER_ROLES = (Role.LEADER, Role.FACILITATOR)


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class Membership(TimeStampedModel):
    """A person in a cohort with a role. Rows are kept after someone leaves: history matters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cohort")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=8, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # NULL, not "", means "no external id", so unset ids never collide in the unique constraint.
    external_id = models.CharField(_("external id"), max_length=120, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["cohort_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="membership_unique_per_cohort"),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="membership_external_id_unique_per_cohort"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[c.value for c in Role]), name="membership_role_known"
            ),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True)
                | Q(status="left", left_on__isnull=False, left_on__gte=F("joined_on")),
                name="membership_left_consistent",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.cohort} · {self.get_role_display()}"

    @property
    def is_manager(self) -> bool:
        return self.status == MembershipStatus.ACTIVE and self.role in MANAGER_ROLES


class Invitation(TimeStampedModel):
    """A join link for one cohort: valid until it expires, is used up, or is revoked."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("cohort")
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Optional: only this address may use the link.")
    )
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=20)
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # NULL, not "", means "no external id", so unset ids never collide in the unique constraint.
    external_id = models.CharField(_("external id"), max_length=120, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(use_count__lte=F("max_uses")), name="invitation_not_overused"
            ),
            models.CheckConstraint(
                condition=Q(max_uses__gte=1), name="invitation_max_uses_positive"
            ),
            models.CheckConstraint(condition=~Q(role="leader"), name="invitation_role_not_leader"),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="invitation_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.get_role_display()}"

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.use_count < self.max_uses
            and self.expires_at > timezone.now()
        )

    def get_absolute_url(self) -> str:
        return reverse("labs:join", kwargs={"token": self.token})
