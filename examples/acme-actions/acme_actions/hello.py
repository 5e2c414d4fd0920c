"""Two actions that use the helper module."""

from mistral_lib import actions

from acme_actions import wording


class Greet(actions.Action):
    """Greet someone.

    :param name: who to greet.
    """

    __export__ = True

    def __init__(self, name):
        super().__init__()
        self.name = name

    def run(self, context):
        return wording.greeting(self.name)


class Shout(actions.Action):
    """Greet someone, loudly.

    :param name: who to greet.
    """

    __export__ = True

    def __init__(self, name):
        super().__init__()
        self.name = name

    def run(self, context):
        return wording.greeting(self.name).upper()
