"""``python -m skae tour``: the same as the ``skae`` console script."""

from .tour.cli import main

raise SystemExit(main())
