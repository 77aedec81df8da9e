"""Run the command line with ``python -m report``."""

from report.cli import main

raise SystemExit(main())
