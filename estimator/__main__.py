"""`python -m estimator` is the same as `fusion-cost`."""

from estimator.cli import main

raise SystemExit(main())
