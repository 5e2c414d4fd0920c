"""Real servers for the tests: processes, databases, vhosts, Mistral, a cloud.

Everything here starts real software on 127.0.0.1 on free ports, stops it by
its own pid and leaves its logs where failure messages point. The tests
(tests/functional, tests/cloud), bench/ and tools/ all start their servers
from here. No module here is named like an importable package (a unit test
checks it): Mistral's launcher runs as a script from this folder.
"""
