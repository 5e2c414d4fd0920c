"""Expected failures: each carries the one line the operator will read."""


class ToolError(Exception):
    """An expected failure: printed as one line, exit code 1, no traceback."""

    exit_code = 1


class RegistryError(ToolError):
    """Mistral could not be read or written (unreachable, refused, ...)."""


class ConflictError(RegistryError):
    """A concurrent writer got there first; the command retries."""


class PlanRefused(ToolError):
    """The plan has problems; nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__('\n'.join(self.problems))
