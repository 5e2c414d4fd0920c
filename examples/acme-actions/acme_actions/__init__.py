"""ACME's Mistral actions: registered as acme.<module>.<action>."""
