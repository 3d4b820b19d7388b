"""Writes of the notifications app: record events, plan reminders, claim and send deliveries.

`notify()` is the one entry point other apps call when something happened that a member should
hear about. Reminders are planned by the beat tick (`reminders_plan`). Both only write rows;
sending happens in workers (`deliveries_send`), which claim rows with a conditional UPDATE.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from notifications import schedule
from notifications.models import (
    Channel,
    CohortWebhook,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    ReminderRule,
    WebhookFlavor,
)

if TYPE_CHECKING:
    from labs.models import Cohort
    from members.models import User

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Recipients: preferences and time zones, read once per batch
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """What sending needs about one member: their address, language and timing."""

    user_id: int
    email: str
    language: str
    timing: schedule.Timing
    email_enabled: bool
    inapp_enabled: bool


def recipients_load(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """Each member's preferences and profile in one query (defaults when they set none)."""
    from members.models import User

    ids = {int(pk) for pk in user_ids}
    if not ids:
        return {}
    rows = (
        User.objects.filter(pk__in=ids, is_active=True)
        .select_related("profile", "notification_preference")
        .only(
            "id",
            "email",
            "profile__timezone",
            "profile__language",
            "notification_preference__email_enabled",
            "notification_preference__inapp_enabled",
            "notification_preference__quiet_start",
            "notification_preference__quiet_end",
            "notification_preference__digest",
            "notification_preference__digest_hour",
        )
    )
    result: dict[int, Recipient] = {}
    for user in rows:
        profile = getattr(user, "profile", None)
        pref = getattr(user, "notification_preference", None) or NotificationPreference()
        result[user.pk] = Recipient(
            user_id=user.pk,
            email=user.email,
            language=profile.language if profile else settings.LANGUAGE_CODE,
            timing=schedule.Timing(
                timezone=profile.timezone if profile else settings.TIME_ZONE,
                quiet_start=pref.quiet_start,
                quiet_end=pref.quiet_end,
                digest=pref.digest,
                digest_hour=pref.digest_hour,
            ),
            email_enabled=pref.email_enabled,
            inapp_enabled=pref.inapp_enabled,
        )
    return result


def _email_first_attempt(now: datetime, recipient: Recipient) -> datetime:
    return schedule.first_attempt_at(now, recipient.timing, digest=recipient.timing.digest)


def _target_key(target: models.Model | None) -> tuple[ContentType | None, int | None]:
    if target is None:
        return None, None
    return ContentType.objects.get_for_model(target), int(target.pk)


def _clean_params(params: Mapping[str, str | int] | None) -> dict[str, str | int]:
    return {str(key): value for key, value in (params or {}).items()}


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    recipients: Iterable[User],
    cohort: Cohort | None,
    target: models.Model | None,
    params: Mapping[str, str | int] | None = None,
    url: str = "",
) -> None:
    """Tell each recipient that something happened.

    Writes one inbox entry per recipient and, for those who take email, one email delivery
    (held through quiet hours, or folded into the daily digest). Call it inside the caller's
    transaction: nothing is sent unless that commits, and the email task is enqueued on commit.
    """
    users = list({user.pk: user for user in recipients if user is not None}.values())
    if not users:
        return
    now = timezone.now()
    target_type, target_id = _target_key(target)
    clean = _clean_params(params)
    cohort_id = cohort.pk if cohort is not None else None
    people = recipients_load(user.pk for user in users)
    entries = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user.pk,
                cohort_id=cohort_id,
                kind=kind,
                target_type=target_type,
                target_id=target_id,
                params=clean,
                url=url,
            )
            for user in users
            if user.pk in people
        ]
    )
    deliveries = []
    for entry in entries:
        person = people[entry.recipient_id]
        if not (person.email_enabled and person.email):
            continue
        first = _email_first_attempt(now, person)
        deliveries.append(
            Delivery(
                channel=Channel.EMAIL,
                kind=kind,
                notification=entry,
                cohort_id=cohort_id,
                recipient_id=entry.recipient_id,
                target_type=target_type,
                target_id=target_id,
                params=clean,
                url=url,
                digest=person.timing.digest,
                next_attempt_at=first,
                # Offered to the broker on commit below; the tick re-offers it if that is lost.
                enqueued_at=now if first <= now else None,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    ready = [d.pk for d in deliveries if d.enqueued_at is not None]
    if ready:
        _enqueue_on_commit(ready)


def _enqueue_on_commit(delivery_ids: Sequence[int]) -> None:
    from notifications import tasks

    ids = list(delivery_ids)
    size = settings.NOTIFICATIONS_BATCH_SIZE

    def publish() -> None:
        for start in range(0, len(ids), size):
            tasks.deliver.apply_async(
                (ids[start : start + size],), queue=settings.NOTIFICATIONS_QUEUE
            )

    # robust: a broker that is down must not break the request that already committed;
    # the beat tick offers the rows again after NOTIFICATIONS_REQUEUE_SECONDS.
    transaction.on_commit(publish, robust=True)


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own inbox entries read (idempotent). Others' entries are 404."""

    entry = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if entry is None:
        raise NotFoundError(_("Not found."), code="not_found")
    if entry.read_at is None:
        entry.read_at = timezone.now()
        entry.save(update_fields=["read_at", "updated_at"])
    return entry


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread entry of the user read; returns how many changed."""
    now = timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


# ---------------------------------------------------------------------------------------------
# Preferences
# ---------------------------------------------------------------------------------------------


def preferences_update(*, user: User, **values: Any) -> NotificationPreference:
    """Save the member's opt-outs, quiet hours and digest choice."""
    allowed = {
        "email_enabled",
        "inapp_enabled",
        "quiet_start",
        "quiet_end",
        "digest",
        "digest_hour",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ApplicationError(_("Unknown preference."), code="invalid")
    start, end = values.get("quiet_start"), values.get("quiet_end")
    if (start is None) != (end is None):
        message = _("Give both the start and the end of your quiet hours, or neither.")
        raise ApplicationError(message, code="invalid", fields={"quiet_end": [message]})
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    for name, value in values.items():
        setattr(pref, name, value)
    pref.full_clean()
    pref.save()
    return pref


# ---------------------------------------------------------------------------------------------
# Rules (leaders) and the cohort's webhook
# ---------------------------------------------------------------------------------------------


def reminder_rules_ensure_defaults(*, cohorts: Iterable[Cohort] | None = None) -> int:
    """Give each cohort (every cohort not finished, or those given) the default rules of each
    reminder kind it has no rule of yet; returns how many rules were written.

    Per kind, so a kind another app registers later reaches existing cohorts too; a kind a
    leader turned off keeps its (disabled) row and is left alone. Runs on every tick (one
    cheap anti-join per kind when nothing is missing) and before the rules page. Safe when
    two ticks run at once: the unique constraint drops the second insert.
    """
    from labs.models import Cohort, CohortStatus
    from notifications.sources import registry

    if cohorts is None:
        base = Cohort.objects.exclude(status=CohortStatus.FINISHED)
    else:
        base = Cohort.objects.filter(pk__in=[cohort.pk for cohort in cohorts])
    defaults_by_kind: dict[str, list[Any]] = {}
    for default in registry.defaults():
        defaults_by_kind.setdefault(default.kind, []).append(default)
    rows = []
    for kind, defaults in defaults_by_kind.items():
        missing = base.exclude(
            pk__in=ReminderRule.objects.filter(kind=kind).values("cohort_id")
        ).values_list("pk", flat=True)
        rows += [
            ReminderRule(
                cohort_id=cohort_id,
                kind=kind,
                minutes_before=default.minutes_before,
                to_webhook=default.to_webhook,
            )
            for cohort_id in missing
            for default in defaults
        ]
    if rows:
        ReminderRule.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _require_manager(*, user: User, cohort: Cohort) -> None:
    if not user.has_perm("notifications.manage_reminders", cohort):
        raise PermissionDeniedError(
            _("Only the cohort's leaders can change reminders and see its deliveries."),
            code="permission_denied",
        )


def reminder_rule_update(
    *,
    actor: User,
    rule: ReminderRule,
    enabled: bool | None = None,
    minutes_before: int | None = None,
    to_webhook: bool | None = None,
) -> ReminderRule:
    """A leader turns a rule on or off, moves its offset, or routes it to the webhook."""
    _require_manager(user=actor, cohort=rule.cohort)
    fields = ["updated_at"]
    if minutes_before is not None:
        if not 1 <= minutes_before <= 60 * 24 * 60:
            message = _("Choose between one minute and 60 days.")
            raise ApplicationError(message, code="invalid", fields={"minutes_before": [message]})
        clash = (
            ReminderRule.objects.filter(
                cohort_id=rule.cohort_id, kind=rule.kind, minutes_before=minutes_before
            )
            .exclude(pk=rule.pk)
            .exists()
        )
        if clash:
            message = _("This cohort already has that reminder.")
            raise ApplicationError(message, code="duplicate", fields={"minutes_before": [message]})
        rule.minutes_before = minutes_before
        fields.append("minutes_before")
    if enabled is not None:
        rule.enabled = enabled
        fields.append("enabled")
    if to_webhook is not None:
        rule.to_webhook = to_webhook
        fields.append("to_webhook")
    rule.save(update_fields=fields)
    return rule


def cohort_webhook_save(
    *, actor: User, cohort: Cohort, url: str, flavor: str, enabled: bool = True
) -> CohortWebhook | None:
    """Set (or, with an empty URL, remove) the cohort's chat webhook."""
    _require_manager(user=actor, cohort=cohort)
    if not url:
        CohortWebhook.objects.filter(cohort=cohort).delete()
        return None
    if flavor not in WebhookFlavor.values:
        raise ApplicationError(_("Unknown webhook format."), code="invalid")
    if not url.startswith("https://") and not settings.NOTIFICATIONS_WEBHOOK_ALLOW_HTTP:
        message = _("Use an https:// address: the webhook carries your cohort's reminders.")
        raise ApplicationError(message, code="invalid", fields={"url": [message]})
    hook, _created = CohortWebhook.objects.update_or_create(
        cohort=cohort, defaults={"url": url, "flavor": flavor, "enabled": enabled}
    )
    return hook


def delivery_resend(*, actor: User, delivery: Delivery) -> Delivery:
    """A leader sends a failed (or skipped) delivery again: same row, fresh attempts."""
    if delivery.cohort is None:
        raise PermissionDeniedError(_("This message has no cohort."), code="permission_denied")
    _require_manager(user=actor, cohort=delivery.cohort)
    now = timezone.now()
    changed = Delivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]
    ).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
        claimed_at=None,
        claim_token=None,
        updated_at=now,
    )
    if changed != 1:
        raise ConflictError(_("Only a failed message can be sent again."), code="not_failed")
    _enqueue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# ---------------------------------------------------------------------------------------------
# Planning: the beat tick
# ---------------------------------------------------------------------------------------------


def reminders_plan(*, now: datetime | None = None) -> int:
    """Write one delivery row per (rule, target, moment, recipient, channel) that is due.

    Two ticks at once are harmless: the unique constraints make the second insert a no-op.
    Returns the number of rows the planner tried to write (existing rows included).
    """
    from notifications.sources import registry

    now = now or timezone.now()
    reminder_rules_ensure_defaults()
    rules = list(
        ReminderRule.objects.filter(enabled=True, kind__in=registry.kinds()).select_related(
            "cohort"
        )
    )
    if not rules:
        return 0
    hooks = {
        hook.cohort_id: hook
        for hook in CohortWebhook.objects.filter(
            enabled=True, cohort_id__in={rule.cohort_id for rule in rules}
        )
    }
    planned = 0
    for source in registry.sources():
        source_rules = [rule for rule in rules if rule.kind == source.kind]
        if not source_rules:
            continue
        due = source.due(rules=source_rules, now=now)
        planned += _plan_rows(due, hooks=hooks, now=now)
    return planned


def _plan_rows(due: Sequence[Any], *, hooks: Mapping[int, CohortWebhook], now: datetime) -> int:
    """Turn a source's due reminders into delivery rows, leaving out those already planned.

    A rule stays due from its moment until the target's (for a one-day reminder, all day),
    so most ticks find everything planned: one read of the existing keys then replaces
    thousands of inserts that the unique constraint would drop anyway.
    """
    if not due:
        return 0
    people = recipients_load({uid for item in due for uid in item.recipient_ids})
    planned = set(
        Delivery.objects.filter(
            rule_id__in={item.rule.pk for item in due},
            target_id__in={item.target_id for item in due},
        ).values_list(
            "rule_id", "target_type_id", "target_id", "anchor_at", "recipient_id", "channel"
        )
    )
    rows: list[Delivery] = []
    for item in due:
        target_type = ContentType.objects.get_for_model(item.target_model)
        key = (item.rule.pk, target_type.pk, item.target_id, item.anchor_at)
        common = {
            "kind": item.rule.kind,
            "rule_id": item.rule.pk,
            "cohort_id": item.rule.cohort_id,
            "target_type": target_type,
            "target_id": item.target_id,
            "anchor_at": item.anchor_at,
            "params": item.params,
            "url": item.url,
        }
        for uid in item.recipient_ids:
            person = people.get(uid)
            if person is None:
                continue
            if person.inapp_enabled and (*key, uid, Channel.INAPP) not in planned:
                rows.append(
                    Delivery(channel=Channel.INAPP, recipient_id=uid, next_attempt_at=now, **common)
                )
            if person.email_enabled and person.email and (*key, uid, Channel.EMAIL) not in planned:
                rows.append(
                    Delivery(
                        channel=Channel.EMAIL,
                        recipient_id=uid,
                        digest=person.timing.digest,
                        next_attempt_at=_email_first_attempt(now, person),
                        **common,
                    )
                )
        hook_key = (*key, None, Channel.WEBHOOK)
        if item.rule.to_webhook and item.rule.cohort_id in hooks and hook_key not in planned:
            rows.append(Delivery(channel=Channel.WEBHOOK, next_attempt_at=now, **common))
    # ignore_conflicts: the unique constraints are the "already planned" check, race-free.
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def deliveries_recover(*, now: datetime | None = None) -> int:
    """Put rows whose claim lease expired (a worker died mid-send) back to pending."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - lease
    ).update(
        status=DeliveryStatus.PENDING,
        claimed_at=None,
        claim_token=None,
        enqueued_at=None,
        next_attempt_at=now,
        updated_at=now,
    )


@dataclass(frozen=True, slots=True)
class Offer:
    """What the tick hands to the broker: batches of single deliveries and digests."""

    batches: list[list[int]]
    digests: list[int]


def deliveries_offer(*, now: datetime | None = None, limit: int = 50_000) -> Offer:
    """Pick pending rows that are due and not offered recently, mark them offered, and
    return them in batches (the caller publishes after commit).

    SKIP LOCKED lets two ticks split the rows instead of both offering the same ones; even if
    they did, the claim in `deliveries_send` sends each row once.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATIONS_REQUEUE_SECONDS)
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
            .order_by("next_attempt_at", "id")
            .values_list("id", "channel", "digest", "recipient_id")[:limit]
        )
        if not rows:
            return Offer(batches=[], digests=[])
        Delivery.objects.filter(pk__in=[row[0] for row in rows]).update(enqueued_at=now)
    size = settings.NOTIFICATIONS_BATCH_SIZE
    by_channel: dict[str, list[int]] = {}
    digests: set[int] = set()
    for pk, channel, digest, recipient_id in rows:
        if digest and channel == Channel.EMAIL:
            digests.add(recipient_id)
        else:
            by_channel.setdefault(channel, []).append(pk)
    batches = [
        ids[start : start + size]
        for ids in by_channel.values()
        for start in range(0, len(ids), size)
    ]
    return Offer(batches=batches, digests=sorted(digests))


# ---------------------------------------------------------------------------------------------
# Sending: the workers
# ---------------------------------------------------------------------------------------------


def _claim(ids: Sequence[int], *, now: datetime, extra: Q | None = None) -> uuid.UUID:
    """Claim the still-pending rows among `ids` with one conditional UPDATE.

    Why a conditional UPDATE: a concurrent claimer blocks on the row lock, then re-reads
    status and finds "sending", so each row gets exactly one owner (research A3: 0/150).
    """
    token = uuid.uuid4()
    filters = Q(pk__in=list(ids), status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if extra is not None:
        filters &= extra
    Delivery.objects.filter(filters).update(
        status=DeliveryStatus.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return token


def deliveries_send(*, delivery_ids: Sequence[int]) -> dict[str, int]:
    """Claim and send the given deliveries; returns counts per outcome.

    Safe to run twice with the same ids, or at the same time in two workers: only the
    claimant sends a row. Reminders are rechecked first (the member may have answered, solved
    or submitted since the row was planned); email waits out the member's quiet hours.
    """
    from notifications.channels import Sender

    outcome = dict.fromkeys(OUTCOMES, 0)
    now = timezone.now()
    token = _claim(delivery_ids, now=now)
    rows = list(
        Delivery.objects.filter(claim_token=token)
        .select_related("rule", "target_type")
        .order_by("id")
    )
    if not rows:
        return outcome
    people = recipients_load({row.recipient_id for row in rows if row.recipient_id})
    due = _still_due(rows, people, now=now)
    hooks = {
        hook.cohort_id: hook
        for hook in CohortWebhook.objects.filter(
            cohort_id__in={row.cohort_id for row in rows if row.channel == Channel.WEBHOOK}
        )
    }
    inbox: list[Delivery] = []
    outgoing: list[Delivery] = []
    for index, row in enumerate(rows):
        person = people.get(row.recipient_id) if row.recipient_id else None
        verdict = _verdict(row, person, due=index in due, now=now)
        if verdict == "send":
            (inbox if row.channel == Channel.INAPP else outgoing).append(row)
        elif verdict == "held":
            assert person is not None
            _finish(
                row,
                token=token,
                status=DeliveryStatus.PENDING,
                next_attempt_at=schedule.quiet_hours_end(now, person.timing),
                enqueued_at=None,
                attempts=F("attempts") - 1,
            )
            outcome["held"] += 1
        else:
            _finish(row, token=token, status=DeliveryStatus.SKIPPED, last_error=verdict)
            outcome["skipped"] += 1
    outcome["sent"] += _write_inbox(inbox, token=token)
    if outgoing:
        started = timezone.now()
        # Stop well inside the lease so a slow channel never overlaps a recovered claim.
        budget = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS / 2)
        with Sender() as sender:
            for index, row in enumerate(outgoing):
                if timezone.now() - started > budget:
                    outcome["released"] += _release(outgoing[index:], token=token)
                    break
                person = people.get(row.recipient_id) if row.recipient_id else None
                hook = hooks.get(row.cohort_id) if row.cohort_id else None
                outcome[_send_row(row, token=token, person=person, hook=hook, sender=sender)] += 1
    return outcome


OUTCOMES = ("sent", "skipped", "held", "retry", "failed", "released")


def _verdict(row: Delivery, person: Recipient | None, *, due: bool, now: datetime) -> str:
    """ "send", "held" (quiet hours), or why the row is skipped."""
    if row.recipient_id and person is None:
        return "inactive member"
    if not due:
        return ""
    if row.channel == Channel.INAPP and person is not None and not person.inapp_enabled:
        return "opted out"
    if row.channel == Channel.EMAIL and person is not None:
        if not person.email_enabled:
            return "opted out"
        if schedule.in_quiet_hours(now, person.timing):
            return "held"
    return "send"


def _write_inbox(rows: Sequence[Delivery], *, token: uuid.UUID) -> int:
    """In-app: the inbox entries and "sent" commit together, so in-app is exactly once by
    construction (and Notification.delivery is unique besides)."""
    if not rows:
        return 0
    now = timezone.now()
    with transaction.atomic():
        mine = list(
            Delivery.objects.filter(pk__in=[r.pk for r in rows], claim_token=token).values_list(
                "pk", flat=True
            )
        )
        owned = [row for row in rows if row.pk in set(mine)]
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=row.recipient_id,
                    cohort_id=row.cohort_id,
                    kind=row.kind,
                    target_type_id=row.target_type_id,
                    target_id=row.target_id,
                    params=row.params,
                    url=row.url,
                    delivery_id=row.pk,
                )
                for row in owned
                if row.recipient_id is not None
            ],
            ignore_conflicts=True,
        )
        Delivery.objects.filter(pk__in=[r.pk for r in owned], claim_token=token).update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            claimed_at=None,
            claim_token=None,
            last_error="",
            updated_at=now,
        )
    return len(owned)


def _release(rows: Sequence[Delivery], *, token: uuid.UUID) -> int:
    now = timezone.now()
    return Delivery.objects.filter(pk__in=[r.pk for r in rows], claim_token=token).update(
        status=DeliveryStatus.PENDING,
        claimed_at=None,
        claim_token=None,
        enqueued_at=None,
        attempts=F("attempts") - 1,
        updated_at=now,
    )


def _finish(row: Delivery, *, token: uuid.UUID, **values: Any) -> bool:
    """Record the outcome only if this worker still owns the row."""
    values.setdefault("claimed_at", None)
    values.setdefault("claim_token", None)
    values["updated_at"] = timezone.now()
    return Delivery.objects.filter(pk=row.pk, claim_token=token).update(**values) == 1


def _still_due(
    rows: Sequence[Delivery], people: Mapping[int, Recipient], *, now: datetime
) -> set[int]:
    """Indexes of `rows` still worth sending: events always; reminders only if the source's
    recheck says the member still has not done the thing (one query or two per kind)."""
    from notifications.sources import Check, registry

    due = {index for index, row in enumerate(rows) if row.rule_id is None}
    by_kind: dict[str, list[tuple[int, Check]]] = {}
    for index, row in enumerate(rows):
        if row.rule_id is None or row.rule is None or not row.rule.enabled:
            continue
        if row.target_type is None or row.target_id is None or row.anchor_at is None:
            continue
        model = row.target_type.model_class()
        if model is None:
            continue
        check = Check(
            target_model=model,
            target_id=row.target_id,
            anchor_at=row.anchor_at,
            recipient_id=row.recipient_id if row.recipient_id in people else None,
        )
        by_kind.setdefault(row.kind, []).append((index, check))
    for kind, pairs in by_kind.items():
        source = registry.get(kind)
        if source is None:
            continue
        ok = source.still_due(checks=[check for _index, check in pairs], now=now)
        due.update(pairs[position][0] for position in ok)
    return due


def _send_row(
    row: Delivery,
    *,
    token: uuid.UUID,
    person: Recipient | None,
    hook: CohortWebhook | None,
    sender: Any,
) -> str:
    from notifications.channels import ChannelError, PermanentChannelError

    try:
        sender.send(row, person=person, hook=hook)
    except PermanentChannelError as error:
        _finish(row, token=token, status=DeliveryStatus.FAILED, last_error=str(error)[:2000])
        return "failed"
    except ChannelError as error:
        return _retry_or_fail(row, token=token, error=str(error))
    except Exception as error:
        # A bug or a broken template must not strand the rest of the batch in "sending".
        logger.exception("delivery %s raised while sending", row.pk)
        return _retry_or_fail(row, token=token, error=f"{type(error).__name__}: {error}")
    _finish(row, token=token, status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _retry_or_fail(row: Delivery, *, token: uuid.UUID, error: str) -> str:
    attempts = row.attempts  # already counts this try: the claim incremented it
    if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        _finish(row, token=token, status=DeliveryStatus.FAILED, last_error=error[:2000])
        logger.warning("delivery %s failed after %s attempts: %s", row.pk, attempts, error)
        return "failed"
    wait = schedule.backoff(
        attempts,
        base=settings.NOTIFICATIONS_RETRY_BASE_SECONDS,
        cap=settings.NOTIFICATIONS_RETRY_CAP_SECONDS,
    )
    # No countdown task: the row waits in the database and a later tick offers it again.
    _finish(
        row,
        token=token,
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now() + wait,
        enqueued_at=None,
        last_error=error[:2000],
    )
    return "retry"


def digest_send(*, recipient_id: int) -> dict[str, int]:
    """Fold the member's due digest emails into one message; each row is rechecked first."""
    from notifications.channels import ChannelError, Sender

    outcome = dict.fromkeys(OUTCOMES, 0)
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(
            recipient_id=recipient_id,
            channel=Channel.EMAIL,
            digest=True,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
        ).values_list("pk", flat=True)
    )
    if not ids:
        return outcome
    token = _claim(ids, now=now)
    rows = list(
        Delivery.objects.filter(claim_token=token)
        .select_related("rule", "target_type")
        .order_by("anchor_at", "id")
    )
    if not rows:
        return outcome
    people = recipients_load([recipient_id])
    person = people.get(recipient_id)
    due = _still_due(rows, people, now=now)
    keep: list[Delivery] = []
    for index, row in enumerate(rows):
        verdict = _verdict(row, person, due=index in due, now=now)
        if verdict in ("send", "held"):
            # A digest goes at the member's chosen hour, quiet hours were applied to it.
            keep.append(row)
        else:
            _finish(row, token=token, status=DeliveryStatus.SKIPPED, last_error=verdict)
            outcome["skipped"] += 1
    if not keep or person is None:
        return outcome
    try:
        with Sender() as sender:
            sender.send_digest(keep, person=person)
    except Exception as error:
        if not isinstance(error, ChannelError):
            logger.exception("digest for member %s raised while sending", recipient_id)
        for row in keep:
            outcome[_retry_or_fail(row, token=token, error=f"{type(error).__name__}: {error}")] += 1
        return outcome
    sent_at = timezone.now()
    Delivery.objects.filter(pk__in=[r.pk for r in keep], claim_token=token).update(
        status=DeliveryStatus.SENT,
        sent_at=sent_at,
        claimed_at=None,
        claim_token=None,
        last_error="",
        updated_at=sent_at,
    )
    outcome["sent"] += len(keep)
    return outcome
