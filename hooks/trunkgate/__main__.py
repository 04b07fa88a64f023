"""`python -m trunkgate <command>`."""

from trunkgate.cli import main

raise SystemExit(main())
