from .cli import main

# Guarded: the crawl's reading processes (newsarchive.runs.readers) import the main module again.
if __name__ == "__main__":
    main()
