"""Run the command line with ``python -m report`` (through the build server when one runs)."""

from report.client import main

raise SystemExit(main())
