"""Files to Documents to chunks: finding corpus files, reading them (sandboxed), structure, sentences, chunking."""
