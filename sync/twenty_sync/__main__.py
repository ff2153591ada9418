"""``python -m twenty_sync``: the ``twenty-sync`` command."""

from twenty_sync._cli import main

raise SystemExit(main())
