"""Run-wide settings read from the environment: quick mode and the cache folder."""

import os
from pathlib import Path

import platformdirs

QUICK_ENV = "VAELESSONS_QUICK"
CACHE_ENV = "VAELESSONS_CACHE"


def is_quick() -> bool:
    """True when VAELESSONS_QUICK is set to 1/true/yes: small data and few epochs."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def by_mode(full, quick):
    """Return `quick` in quick mode and `full` otherwise (epochs, sizes, data names)."""
    return quick if is_quick() else full


def cache_dir() -> Path:
    """The folder for downloads and trained models: $VAELESSONS_CACHE or the user cache."""
    folder = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("vaelessons")
    return Path(folder).expanduser()
