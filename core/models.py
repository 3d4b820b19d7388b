"""Base models shared by every app, the changes feed's log and members' spreadsheet links."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds created_at / updated_at; every API object carries both."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ChangeOp(models.TextChoices):
    UPSERT = "upsert", _("Created or updated")
    DELETE = "delete", _("Deleted")


class Change(models.Model):
    """One create, update or delete of a synced object: a row of the changes feed.

    Written by core.changes in the writer's own transaction, so it commits (or rolls back)
    with the change itself. `txid` is that transaction's id on PostgreSQL (0 on SQLite, where
    writers take turns); the feed serves a row only once every transaction that could still
    write a row before it has finished (see core.changes). Lab and cohort are plain ids, not
    foreign keys: a tombstone outlives what it was about.
    """

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(default=0)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    op = models.CharField(max_length=6, choices=ChangeOp.choices)
    lab_id = models.BigIntegerField()
    cohort_id = models.BigIntegerField(null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [
            models.Index(fields=["txid", "id"], name="change_txid_id"),
            models.Index(fields=["lab_id", "id"], name="change_lab_id"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} {self.op}"


def new_sheet_token() -> str:
    return secrets.token_urlsafe(24)


class SheetLink(models.Model):
    """A member's secret, read-only address for a cohort's boards as CSV (for a spreadsheet's
    import function, which sends no credentials). Resetting it gives a new secret; the link
    stops working by itself when the member no longer sees the cohort."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sheet_links"
    )
    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_sheet_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet link")
        verbose_name_plural = _("spreadsheet links")
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="sheet_link_one_per_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.cohort}"
