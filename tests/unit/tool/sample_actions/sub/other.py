"""An exported action imported elsewhere must be found here only."""

from mistral_lib import actions


class Imported(actions.Action):
    """Imported into things.py."""

    __export__ = True

    def run(self, context):
        return 'imported'
