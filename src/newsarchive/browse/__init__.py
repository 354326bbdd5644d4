"""Reading the archive in a browser (`browse`): Datasette set up for articles, not tables.

The articles list (`article_browse`) faceted by category, layout, month and author, newest
first; a search page that runs the archive's own search (diacritics folded, ranked, with
snippets); a page per article that reads like the article, with its versions, captures and a
citation; canned queries. Datasette is an optional extra (`newsarchive[browse]`): nothing here
is imported by the other commands.
"""
