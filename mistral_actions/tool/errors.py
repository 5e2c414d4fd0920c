"""Expected failures: each carries the one line the operator will read."""

#: What to do about a module that does not compile.
FIX_SYNTAX_HINT = 'fix that line and run the command again'


def syntax_error_line(error: SyntaxError) -> str:
    """A module that does not compile, as discovery and validation say it:
    the word SyntaxError, the file and the line (Python's own text puts
    the file's base name in parentheses, easily missed)."""
    return 'SyntaxError in %s, line %s: %s; %s' % (
        error.filename, error.lineno, error.msg, FIX_SYNTAX_HINT)


class ToolError(Exception):
    """An expected failure: printed as one line, exit code 1, no traceback."""

    exit_code = 1


class RegistryError(ToolError):
    """Mistral could not be read or written (unreachable, refused, ...)."""


class Forbidden(RegistryError):
    """Mistral's policy refused the request (HTTP 403)."""


class ConflictError(RegistryError):
    """A concurrent writer got there first; the command retries."""


class NotVerified(ConflictError):
    """Mistral, read again after the writes, does not hold them.

    Retried like a conflict (a concurrent writer may have changed it); the
    same writes left undone twice in a row are not another writer's doing.
    """

    def __init__(self, left):
        self.left = list(left)
        super().__init__('Mistral differs from what was just registered '
                         '(still to do: %s)' % ', '.join(self.left))


class PlanRefused(ToolError):
    """The plan has problems; nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__('\n'.join(self.problems))
