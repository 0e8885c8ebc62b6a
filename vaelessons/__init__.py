"""vaelessons: the helper package of the VAE lessons (data, models, losses, training, plots, widgets, checks)."""

from .checkpoint import load, save
from .data import Images, default_dataset
from .data import load as load_data
from .models import CVAE, VAE
from .settings import by_mode, is_quick
from .train import History, cached_fit, evaluate, fit

__version__ = "0.1.0"
__all__ = [
    "CVAE",
    "VAE",
    "History",
    "Images",
    "by_mode",
    "cached_fit",
    "default_dataset",
    "evaluate",
    "fit",
    "is_quick",
    "load",
    "load_data",
    "save",
]
