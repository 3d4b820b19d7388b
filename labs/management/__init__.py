"""Management commands of the labs app."""

from __future__ import annotations
