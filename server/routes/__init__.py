"""The HTTP routes, one module per resource: search, documents, index, health, pages."""
