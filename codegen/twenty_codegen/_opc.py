"""Run the pinned openapi-python-client, with one speed fix: ``python -m twenty_codegen._opc generate …``.

openapi-python-client 0.29.1 deep-copies every endpoint — and through it the whole model graph — to sort its path
parameters (``Endpoint.sort_parameters``). On a Twenty document (35 objects whose relations reference each other) that
is 85 % of a one-minute run. The replacement below copies only what the function changes (the endpoint and its list of
path parameters), so the output is byte-for-byte the same (``tests/codegen`` checks it on a small document) in a
sixth of the time. It runs in its own process, so nothing else sees the patch.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.metadata
import re
import sys
from typing import Any

from twenty_codegen._versions import GENERATOR_VERSION

__all__ = ["main", "patch_sort_parameters"]


def patch_sort_parameters() -> None:
    """Replace ``Endpoint.sort_parameters`` by an equivalent that does not deep-copy the endpoint."""
    from openapi_python_client.parser import errors, openapi

    endpoint_class: Any = openapi.Endpoint
    parse_error: Any = errors.ParseError
    path_param_regex: Any = openapi._PATH_PARAM_REGEX

    def sort_parameters(*, endpoint: Any) -> Any:
        endpoint = copy.copy(endpoint)  # the original deep-copies; only `path` and `path_parameters` change below
        endpoint.path_parameters = list(endpoint.path_parameters)
        parameters_from_path = re.findall(path_param_regex, endpoint.path.get_untrusted_value())
        with contextlib.suppress(ValueError):  # reported just below, as the original does
            endpoint.path_parameters.sort(key=lambda param: parameters_from_path.index(param.name))
        if parameters_from_path != [param.name for param in endpoint.path_parameters]:
            return parse_error(
                detail=f"Incorrect path templating for {endpoint.path.get_untrusted_value()} "
                "(Path parameters do not match with path)",
            )
        for parameter in endpoint.path_parameters:
            endpoint.path = type(endpoint.path)(
                endpoint.path.get_untrusted_value().replace(
                    f"{{{parameter.name.get_untrusted_value()}}}", f"{{{parameter.python_name}}}"
                )
            )
        return endpoint

    endpoint_class.sort_parameters = staticmethod(sort_parameters)


def main(argv: list[str] | None = None) -> int:
    installed = importlib.metadata.version("openapi-python-client")
    if installed != GENERATOR_VERSION:
        print(f"twenty_codegen needs openapi-python-client=={GENERATOR_VERSION} (found {installed})", file=sys.stderr)
        return 2
    if "--unpatched" in (argv if argv is not None else sys.argv[1:]):
        args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--unpatched"]
    else:
        args = list(argv if argv is not None else sys.argv[1:])
        patch_sort_parameters()
    from openapi_python_client.cli import app

    sys.argv = ["openapi-python-client", *args]
    try:
        app()
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
