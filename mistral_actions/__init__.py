"""mistral-actions: a library of Mistral actions and the tool that ships them.

The action modules (``nova/``, ``cinder/``, ``glance/``, ``system.py``) are
stored in Mistral as code sources; ``mistral_actions.tool`` is the command
that discovers and registers them and is never itself registered.
"""

#: Every action we register is named ``<PREFIX>.<module path>.<snake_case>``.
PREFIX = 'int32bit'
