"""Pages of the community app, one module per area (showcase, recruiting, notes, talks,
events); this module holds what they share."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from core.views_helpers import redirect_after_write as core_redirect_after_write
from labs.models import Lab
from labs.selectors import ViewerAccess, viewer_access_for_lab
from members.models import User


def redirect_after_write(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: a normal redirect, or a client-side one for htmx without the
    URL's #fragment (community pages redirect to their own anchors, where htmx would only
    scroll)."""
    return core_redirect_after_write(request, url, drop_fragment=True)


def member_lab(*, user: User, slug: str) -> tuple[Lab, ViewerAccess]:
    """A lab for its members' pages (notes, talks, events), with the viewer's powers; a 404
    for everyone else, public lab or not (two queries)."""
    lab = Lab.objects.filter(slug=slug).first()
    if lab is None:
        raise Http404
    access = viewer_access_for_lab(user=user, lab=lab)
    if not access.can_view_private_lab:
        raise Http404
    return lab, access
