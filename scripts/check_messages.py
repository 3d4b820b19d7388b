"""Fail unless the Korean and English catalogues are complete, current and compiled.

1. `makemessages` finds no msgid the catalogues lack (every marked string is in them);
2. `msgfmt --statistics` reports no untranslated or fuzzy entry in either language;
3. the committed .mo files are what the .po files compile to.
Needs GNU gettext (msgfmt), as `makemessages` itself does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ko", "en")
MSGID = re.compile(r'^msgid "(.*)"$')


def po_path(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


def msgids(path: Path) -> set[str]:
    """Entry keys (msgctxt + msgid, continuation lines joined), obsolete entries excluded."""
    keys: set[str] = set()
    current: list[str] | None = None
    context = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("msgctxt "):
            context = line[len("msgctxt ") :]
        elif line.startswith("msgid "):
            current = [line[len("msgid ") :]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        else:
            if current is not None:
                keys.add(context + "".join(current))
                context = ""
            current = None
    if current is not None:
        keys.add(context + "".join(current))
    keys.discard('""')
    return keys


def main() -> int:
    problems: list[str] = []
    python = sys.executable
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    with tempfile.TemporaryDirectory() as tmp:
        backup = Path(tmp) / "locale"
        shutil.copytree(ROOT / "locale", backup)
        try:
            subprocess.run(
                [
                    python,
                    "manage.py",
                    "makemessages",
                    "--no-obsolete",
                    "-l",
                    "ko",
                    "-l",
                    "en",
                    "--ignore",
                    ".venv/*",
                    "--ignore",
                    "var/*",
                    "--ignore",
                    "tests/*",
                    "--ignore",
                    "bench/*",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            for language in LANGUAGES:
                fresh = msgids(po_path(language))
                committed = msgids(backup / language / "LC_MESSAGES" / "django.po")
                missing = sorted(fresh - committed)
                if missing:
                    problems.append(
                        f"{language}: {len(missing)} string(s) not in the catalogue "
                        f"(run `make messages` and translate): {missing[:5]}"
                    )
        finally:
            shutil.rmtree(ROOT / "locale")
            shutil.copytree(backup, ROOT / "locale")
        for language in LANGUAGES:
            po = po_path(language)
            compiled = Path(tmp) / f"{language}.mo"
            result = subprocess.run(
                ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(po)],
                capture_output=True,
                text=True,
                check=False,
            )
            stats = result.stderr.strip()
            if result.returncode != 0 or "untranslated" in stats or "fuzzy" in stats:
                problems.append(f"{language}: {stats}")
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != compiled.read_bytes():
                problems.append(
                    f"{language}: {mo.relative_to(ROOT)} is stale (run `make messages`)"
                )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("translations: ko and en catalogues complete and compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
