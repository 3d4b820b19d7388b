"""Commands: seed_scale builds bulk benchmark data."""

from __future__ import annotations
