"""The on-disk index: generations, manifest, chunk store, vector and lexical indexes, building and writing."""
