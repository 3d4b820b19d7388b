from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = _("Labs")

    def ready(self) -> None:
        from core.changes import feed_type, shows_member_name, track

        # The changes feed (GET /api/v1/changes/): what each write shows up as, and who sees it.
        feed_type("lab", model="labs.Lab", viewset="labs.api.LabViewSet")
        feed_type("cohort", model="labs.Cohort", viewset="labs.api.CohortViewSet")
        feed_type("membership", model="labs.Membership", viewset="labs.api.MembershipViewSet")
        track("labs.Lab", object_type="lab", lab="id")
        track("labs.Cohort", object_type="cohort", lab="lab_id", cohort="id")
        track("labs.Membership", object_type="membership", lab="cohort__lab_id", cohort="cohort_id")
        shows_member_name("labs.Membership", "user")
