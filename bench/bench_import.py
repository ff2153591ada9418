"""How long importing the generated client takes, in a fresh interpreter each time.

    python bench/bench_import.py [--runs 7]

Prints, for each scenario, the median wall time of the imports alone (interpreter start-up excluded; a scenario's
setup imports excluded too) and how many of the generated package's modules got loaded. Goal: importing one model,
and ``import twenty_sdk``, ≤ 0.3 s. ``import twenty_sdk`` resolves its names on first use, so the lines that count
for a program are ``from twenty_sdk import TwentyClient`` (httpx and the records client) and the first resource
touched (its generated model).
Byte-code caching is allowed (as after a wheel install); one warm-up run fills the cache first.

httpx imports its command-line module eagerly when ``rich`` and ``click`` are installed (the ``codegen`` tools bring
them): that alone costs ~0.2 s more, hence the baseline line, and the "no rich/click" line, which blocks them as a
user's install (``pip install twenty-sdk``) does not have them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# A user's install: httpx without the command-line extras that the codegen tools bring into this environment.
_NO_CLI = "import sys\nsys.modules['click'] = sys.modules['rich'] = None"

SCENARIOS: dict[str, str | tuple[str, str]] = {
    "httpx alone (baseline)": "import httpx",
    "import twenty_sdk": "import twenty_sdk",
    "twenty_sdk after httpx, attrs": ("import httpx, attrs", "import twenty_sdk"),
    "twenty_sdk, no rich/click": (_NO_CLI, "import twenty_sdk"),
    # import twenty_sdk is lazy (PEP 562): what a program pays is the client it imports and the resource it touches.
    "TwentyClient": "from twenty_sdk import TwentyClient",
    "TwentyClient, no rich/click": (_NO_CLI, "from twenty_sdk import TwentyClient"),
    "TwentyClient+people, no rich/click": (
        _NO_CLI,
        "from twenty_sdk import TwentyClient\nTwentyClient('http://127.0.0.1:9', 'k').people",
    ),
    "one model": "from twenty_generated.models import PersonForResponse",
    "one model, then twenty_sdk": "from twenty_generated.models import PersonForResponse\nimport twenty_sdk",
    "the client and one endpoint": (
        "from twenty_generated import AuthenticatedClient\nfrom twenty_generated.api.people import find_many_people"
    ),
    "every model (for scale)": ("import twenty_generated.models as m\nfor name in m.__all__:\n    getattr(m, name)"),
}

PROBE = """
import json, sys, time
exec(compile({setup!r}, "<setup>", "exec"))
started = time.perf_counter()
exec(compile({code!r}, "<bench>", "exec"))
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "modules": sum(m.startswith("twenty_generated") for m in sys.modules),
                  "httpx": "httpx" in sys.modules}}))
"""


def measure(code: str | tuple[str, str], runs: int) -> tuple[float, int, bool]:
    """The median seconds ``code`` takes (a ``(setup, code)`` pair: the setup untimed), the generated modules it
    loaded, and whether httpx got loaded."""
    setup, code = code if isinstance(code, tuple) else ("", code)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results = []
    for _ in range(runs + 1):  # the first run only warms the byte-code cache
        probe = PROBE.format(setup=setup, code=code)
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
        results.append(json.loads(done.stdout))
    timed = results[1:]
    return statistics.median(r["seconds"] for r in timed), timed[-1]["modules"], timed[-1]["httpx"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.version.split()[0]
    print(f"{'scenario':<32} {'median':>9}  {'modules':>7}  httpx   (python {python}, {args.runs} runs)")
    for name, code in SCENARIOS.items():
        seconds, modules, httpx_loaded = measure(code, args.runs)
        print(f"{name:<32} {seconds:>8.3f}s  {modules:>7}  {'yes' if httpx_loaded else 'no'}")


if __name__ == "__main__":
    main()
