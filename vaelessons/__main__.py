"""`python -m vaelessons`: the same as the `vaelessons` command."""

from .cli import main

raise SystemExit(main())
