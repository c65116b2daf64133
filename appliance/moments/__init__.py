"""Moments: near-duplicates, stacks, quality and best shots, events and "on this day".

Pure computations live here (hashing, features, scoring, learning, event splitting, best-of
selection); the catalog side (stacks, trash, memories queries) lives in ``appliance.catalog``.
"""
