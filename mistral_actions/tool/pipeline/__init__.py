"""The steps every command is made of, one module each, in this order.

    package --discover--> [ActionSpec]         (discover.py; cache.py keeps
                                                 what it found; each module
                                                 bundled by bundle.py)
    [ActionSpec] --validate--> problems        (validate.py: stop here if any)
    [ActionSpec] + Snapshot --plan--> Plan     (plan.py: pure, no Mistral)
    Plan --apply--> Registry writes            (apply.py: order, rounds, retry)
    Registry --verify--> nothing left to do    (verify.py: re-read, re-plan)
    every change --> a record in the ledger    (..ledger: written by apply.py
                                                 in the change's round)

Each step is a plain function over plain data (:mod:`..specs`, the
:class:`~mistral_actions.tool.registry.Snapshot`, :class:`.plan.Plan`);
:mod:`mistral_actions.tool.deploy` composes them into the commands' work.
"""
