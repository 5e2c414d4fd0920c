"""The mistral-actions tool: discovery, planning, registry backends, CLI.

Never registered in Mistral itself; discovery skips this package.
"""
