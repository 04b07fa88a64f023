"""`python -m trunkgate.release <command>`, as when release was a module: `trunkgate release`."""

from trunkgate.release import main

raise SystemExit(main())
