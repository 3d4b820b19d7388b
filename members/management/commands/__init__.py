"""Management commands for members."""

from __future__ import annotations
