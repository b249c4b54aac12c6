"""Text to vectors: the Embedder protocol, the sentence-transformers model, batching, caching, threads."""
