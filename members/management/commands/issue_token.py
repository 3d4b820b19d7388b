"""`manage.py issue_token EMAIL --scope read|write [--lab SLUG] [--name NAME]`: a personal token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from members.models import User, normalize_email
from members.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create a personal API token for a member and print it once on stdout "
        "(only the token, on its own line, so a script can capture it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The member's email address.")
        parser.add_argument(
            "--scope", required=True, help="read (never writes) or write (reads and writes)."
        )
        parser.add_argument("--lab", default=None, help="Limit the token to this lab (slug).")
        parser.add_argument("--name", default=None, help="A name to tell the token apart.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalize_email(options["email"])
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(_("No account with the email %(email)s.") % {"email": email})
        if not user.is_active:
            raise CommandError(
                _("The account %(email)s is inactive; its tokens would not work.")
                % {"email": email}
            )
        name = options["name"] or f"issue_token {timezone.localdate().isoformat()}"
        try:
            token, raw = api_token_create(
                user=user, name=name, scope=options["scope"], lab_slug=options["lab"]
            )
        except ApplicationError as exc:
            message = exc.message
            if "lab" in exc.fields:
                message = f"{message} (--lab {options['lab']})"
            elif "scope" in exc.fields:
                message = f"{message} (--scope {options['scope']})"
            raise CommandError(message) from None
        # Only the secret goes to stdout; the note goes to stderr so `$(...)` captures the token.
        self.stdout.write(raw)
        self.stderr.write(
            _("Created the token “%(name)s” (%(prefix)s…, %(scope)s) for %(email)s.")
            % {
                "name": token.name,
                "prefix": token.prefix,
                "scope": token.get_scope_display(),
                "email": email,
            }
        )
        if token.lab is not None:
            self.stderr.write(_("It sees only the lab %(lab)s.") % {"lab": token.lab.slug})
        self.stderr.write(_("Store it now: it is shown only this once."))
