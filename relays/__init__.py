"""Relays: the source mappings, and the generator of the programs that forward webhooks."""
