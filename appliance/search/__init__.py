"""Search: the query language and label synonyms."""
