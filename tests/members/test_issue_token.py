"""`manage.py issue_token`: prints the token once, refuses what the services refuse."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from members.models import ApiToken
from members.services import api_token_authenticate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English; the command itself runs in whatever language is active.
    with translation.override("en"):
        yield


def _issue(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_issue_token_prints_only_the_token_on_stdout(world):
    out, err = _issue("member@example.com", "--scope", "write", "--name", "Notion sync")

    lines = out.splitlines()
    assert len(lines) == 1
    assert out == lines[0] + "\n"
    token = api_token_authenticate(raw=lines[0])
    assert token is not None
    assert (token.user, token.name, token.scope, token.lab) == (
        world.member,
        "Notion sync",
        "write",
        None,
    )
    assert lines[0] not in err


def test_issue_token_accepts_email_in_other_case(world):
    out, _err = _issue("Member@Example.com", "--scope", "read")

    token = api_token_authenticate(raw=out.strip())
    assert token is not None
    assert token.user == world.member
    assert token.scope == "read"


def test_issue_token_names_token_when_no_name_given(world):
    _issue("member@example.com", "--scope", "read")

    assert ApiToken.objects.get().name.startswith("issue_token ")


def test_issue_token_limits_token_to_lab(world):
    out, err = _issue("member@example.com", "--scope", "read", "--lab", "deep-lab")

    token = api_token_authenticate(raw=out.strip())
    assert token is not None
    assert token.lab == world.lab
    assert "deep-lab" in err


def test_issue_token_refuses_unknown_email(world):
    with pytest.raises(CommandError, match=re.escape("nobody@example.com")):
        _issue("nobody@example.com", "--scope", "read")

    assert ApiToken.objects.count() == 0


def test_issue_token_refuses_bad_scope(world):
    with pytest.raises(CommandError, match="Scope must be read or write"):
        _issue("member@example.com", "--scope", "admin")

    assert ApiToken.objects.count() == 0


def test_issue_token_requires_scope(world):
    with pytest.raises(CommandError, match="--scope"):
        _issue("member@example.com")


def test_issue_token_refuses_lab_user_is_not_in(world):
    with pytest.raises(CommandError, match="You are not a member of that lab"):
        _issue("member@example.com", "--scope", "read", "--lab", "other-lab")

    assert ApiToken.objects.count() == 0


def test_issue_token_refuses_inactive_account(world):
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="inactive"):
        _issue("member@example.com", "--scope", "read")

    assert ApiToken.objects.count() == 0
