"""Management commands of the core app."""

from __future__ import annotations
