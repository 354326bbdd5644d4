"""What is worked out from fetches and records without a database: the body compressed and
hashed, text folded for search, the changes between two versions of a record."""
