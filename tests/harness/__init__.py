"""Real servers for the tests: processes, databases, vhosts, Mistral, a cloud.

Everything here starts real software on 127.0.0.1 on free ports, stops it by
its own pid and leaves its logs where failure messages point. The tests
(tests/functional, tests/cloud) and bench/ start their servers from here;
the single-process Mistral and the process handling are the product's
(:mod:`mistral_actions.tool.sandbox`), which tools/demo.py uses directly.
No module here is named like an importable package (a unit test checks
it): gunicorn and the services import our loaders and drivers beside their
own packages.
"""
