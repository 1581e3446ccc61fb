"""``python -m skae tour``: the same as the ``skae`` console script."""

from ._cli import main

raise SystemExit(main())
