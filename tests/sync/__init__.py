"""The sync engine's tests (a package, so that its conftest does not shadow another directory's ``conftest``)."""
