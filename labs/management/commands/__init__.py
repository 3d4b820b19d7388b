"""Commands: seed_demo builds the Korean demo lab."""

from __future__ import annotations
