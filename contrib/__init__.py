"""Reference sync clients: notion_sync.py (Notion) and labmate-sheets.gs (Google Sheets)."""

from __future__ import annotations
