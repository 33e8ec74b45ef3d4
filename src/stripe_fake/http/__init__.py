"""The HTTP layer: decoding, routing, errors, pagination and expansion.

Nothing in here knows about billing rules; resources plug handlers into it.
"""
