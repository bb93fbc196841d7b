"""SQL text: the SQLite-aware lexer, the statement parser, quoting, references and DDL generation."""
