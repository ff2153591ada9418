"""The pinned tool versions: the generated code depends on them byte for byte (the drift check compares bytes)."""

__all__ = ["GENERATOR_VERSION", "RUFF_VERSION"]

GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.17.6"
