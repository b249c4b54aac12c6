"""askreport's HTTP server and command line, built on the `indexer` library."""
