"""Load stage: from a stored, checked fetch, flatten and replace its window in one short transaction."""
