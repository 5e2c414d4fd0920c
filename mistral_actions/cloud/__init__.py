"""What the OpenStack actions share: clients, status checks, base classes.

Clients are built in ``run(context)`` on the executor, never kept on the
action. Inside a Mistral executor with mistral-extra installed they come from
mistral-extra (the same region, endpoint-type and trust handling as the
built-in ``nova.*``/``cinder.*``/``glance.*`` actions); anywhere else from a
keystoneauth1 session on the context's token. Every HTTP call has a timeout:
``MISTRAL_ACTIONS_HTTP_TIMEOUT`` seconds (default 60) in the executor's
environment.

One module per concern, each imported by its own name (``from
mistral_actions.cloud import resources``): :mod:`~.failures` (the exceptions
actions raise), :mod:`~.outcomes` (an expected failure ends the run as
``Result(error=...)``), :mod:`~.inputs` (reading action inputs),
:mod:`~.sessions`
(keystoneauth1 sessions), :mod:`~.clients` (building a service's
client) with one module per service (:mod:`~.nova_client`,
:mod:`~.cinder_client`, :mod:`~.glance_client`: an action module imports
the one it calls, and its code source needs only that client library),
:mod:`~.polling` (waiting for a status) and :mod:`~.resources` (status
checks, JSON results and the actions' base classes).

The client libraries are imported only when a client is built, so that
importing an action module stays cheap.
"""
