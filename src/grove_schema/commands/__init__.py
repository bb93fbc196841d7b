"""One module per command, each with `run(args, config, out, err) -> exit code` (as pre-commit's
`commands/`). The CLI parses the arguments and imports only the module of the command it runs."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def to_stdout(output: object) -> bool:
    """`-o -` (or no -o): the output goes to standard output."""
    return output is None or str(output) == "-"
