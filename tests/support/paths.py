"""Where the repository is, and the shared folder beside it (8x8's sample bodies)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
