"""``python -m twenty_codegen``: see :mod:`twenty_codegen._cli`."""

from twenty_codegen._cli import main

raise SystemExit(main())
