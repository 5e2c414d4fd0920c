"""The mistral-actions tool: discovery, planning, registry backends, CLI,
the sandbox Mistral and its pytest plugin.

Never registered in Mistral itself; discovery skips this package.
"""
