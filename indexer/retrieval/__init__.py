"""Finding passages: hybrid search and fusion, sentence highlights, follow-up question rewriting."""
