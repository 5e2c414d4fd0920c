"""Sample actions: exported, not exported, inherited, foreign."""

from mistral_lib import actions

from tests.unit.tool.sample_actions.sub.other import Imported  # noqa: F401


class GetThing(actions.Action):
    """Get one thing.

    :param thing_id: its id
    """

    __export__ = True

    def __init__(self, thing_id, status="ready", count=3):
        super().__init__()
        self.thing_id = thing_id

    def run(self, context):
        return {'id': self.thing_id}


class InheritsExport(GetThing):
    """Not exported: the flag is only inherited."""

    def run(self, context):
        return None


class Hidden(actions.Action):
    """Not exported: no flag."""

    def run(self, context):
        return None


class NotAnAction:
    """Not exported: not a mistral-lib action."""

    __export__ = True


class HTTPCheck(actions.Action):
    """Check an HTTP URL."""

    __export__ = True

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def run(self, context):
        return self.kwargs
