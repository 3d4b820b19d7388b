"""`makemessages` that also finds strings marked with `_lazy(...)`.

Forms and models import gettext_lazy as `_lazy` next to gettext as `_`; xgettext only knows the
usual names, so without this those labels and help texts never reached the catalogues (and
scripts/check_messages.py, which runs this same command, could not notice).
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
