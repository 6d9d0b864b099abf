"""The criteria language's typed AST, its field catalogue, and its compilation to SQL."""
