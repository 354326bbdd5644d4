"""What is worked out from fetches and records without a database.

The body compressed and hashed and the text folded for search (`prepared`, `fold`), worked out
in the crawl's reading workers; the changes between two versions of a record (`changes`)."""
