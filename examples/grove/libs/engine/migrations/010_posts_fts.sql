-- Migration 010: Full-text search over posts with FTS5 (external content table).
-- Triggers keep posts_fts in sync with posts using the posts rowid.

CREATE VIRTUAL TABLE posts_fts USING fts5(
  title,
  description,
  markdown_content,
  content='posts',
  content_rowid='rowid',
  tokenize='porter unicode61'
);

CREATE TRIGGER posts_fts_after_insert AFTER INSERT ON posts BEGIN
  INSERT INTO posts_fts(rowid, title, description, markdown_content)
  VALUES (new.rowid, new.title, new.description, new.markdown_content);
END;

CREATE TRIGGER posts_fts_after_delete AFTER DELETE ON posts BEGIN
  INSERT INTO posts_fts(posts_fts, rowid, title, description, markdown_content)
  VALUES ('delete', old.rowid, old.title, old.description, old.markdown_content);
END;

CREATE TRIGGER posts_fts_after_update AFTER UPDATE ON posts BEGIN
  INSERT INTO posts_fts(posts_fts, rowid, title, description, markdown_content)
  VALUES ('delete', old.rowid, old.title, old.description, old.markdown_content);
  INSERT INTO posts_fts(rowid, title, description, markdown_content)
  VALUES (new.rowid, new.title, new.description, new.markdown_content);
END;

-- Index any posts that already exist.
INSERT INTO posts_fts(posts_fts) VALUES ('rebuild');
