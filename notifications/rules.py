"""Who may change a cohort's reminders and see its deliveries: its leaders and facilitators
(and the lab's leaders), as for every other cohort setting."""

from __future__ import annotations

import rules

from labs.rules import can_manage_cohort, is_cohort_lab_member, is_superuser

rules.add_perm("notifications.manage_reminders", can_manage_cohort)
rules.add_perm("notifications.view_reminders", is_cohort_lab_member | is_superuser)
