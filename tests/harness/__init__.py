"""Real servers for the tests: processes, databases, vhosts, Mistral, a cloud.

Everything here starts real software on 127.0.0.1 on free ports, stops it by
its own pid and leaves its logs where failure messages point.
"""
