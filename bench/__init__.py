"""The benchmark harness: `python bench/run.py` (see bench/README.md)."""

from __future__ import annotations
