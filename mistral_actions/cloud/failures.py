"""The ways an OpenStack action fails on purpose, and spotting a 404.

Each failure is an :class:`~.outcomes.ExpectedFailure` (so that the run
ends with its one-line message as ``Result(error=...)``) of its own class,
so that callers (and tests) can tell "never will" from "not yet" from "gave
up"; the three client libraries each report a missing resource (or a
dropped connection) differently, hence :func:`is_not_found` and
:func:`is_transient`.
"""

import contextlib
import typing
import uuid

from mistral_actions.cloud import outcomes


class Unsupported(outcomes.ExpectedFailure):
    """The cloud or Mistral lacks something the action needs."""


class ResourceNotFound(outcomes.ExpectedFailure):
    """The resource does not exist (or is not visible to the project)."""


class WrongStatus(outcomes.ExpectedFailure):
    """The resource's status does not allow what was asked of it."""


class ResourceInErrorState(outcomes.ExpectedFailure):
    """The resource is in an error state: it will never reach the status."""


class StatusNotReached(outcomes.ExpectedFailure):
    """The resource is not in the expected status yet; it still may be."""


class WaitTimeout(outcomes.ExpectedFailure):
    """The resource did not reach the status within the time allowed."""


#: What a proxy or an overloaded API answers for a moment (too many
#: requests, a gateway error, "unavailable"), as opposed to "never".
PASSING_STATUS_CODES = (429, 502, 503, 504)


def _statuses(error):
    """The HTTP status a client exception carries, under any of the names
    the three clients give it."""
    return (getattr(error, 'code', None), getattr(error, 'http_status', None),
            getattr(error, 'status_code', None))


def is_not_found(error: BaseException) -> bool:
    """Whether a client exception (any of the three clients) is a 404."""
    return 404 in _statuses(error)


def is_transient(error: BaseException) -> bool:
    """Whether a client exception says "not now" rather than "never": a
    dropped or refused connection, a timeout, a 502/503/504.

    glanceclient turns keystoneauth's connection failure into its own
    CommunicationError, hence the walk down the exception's causes.
    """
    from keystoneauth1 import exceptions as ks_exceptions

    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ks_exceptions.RetriableConnectionFailure) or \
                set(_statuses(error)) & set(PASSING_STATUS_CODES):
            return True
        error = error.__cause__ or error.__context__
    return False


def is_uuid(value: typing.Any) -> bool:
    """Whether value reads as a UUID, as every id of these services does."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _is_bad_request(error: BaseException) -> bool:
    return 400 in _statuses(error)


@contextlib.contextmanager
def not_found_as(kind: str, resource_id: str) -> typing.Iterator[None]:
    """Turn a client's 404 inside the block into ResourceNotFound; so too a
    400 about an id that is no UUID (Cinder's schema check on create), so
    that one mistake gives one message whatever the action."""
    try:
        yield
    except Exception as error:
        if is_not_found(error) or (_is_bad_request(error)
                                   and not is_uuid(resource_id)):
            raise ResourceNotFound(
                '%s %s not found' % (kind, resource_id)) from error
        raise
