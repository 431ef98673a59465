-- 0008: full-text search over the units' text (SQLite FTS5), for the search field of the
-- coding window and `stancecoder search`.
-- External content: the index keeps only the words, the text stays in units (no second
-- copy). It is keyed by units.rowid, which no curation step changes (seq shifts on a
-- split; VACUUM keeps the rowids of a table it copies whole). rowid order is import
-- order, the corpus order of every unit not made by a split, so the first matches in
-- index order are the first in the corpus and a search can stop after a page.
-- unicode61 with remove_diacritics 2 folds case and accents ("Séoul" finds "seoul");
-- prefix indexes 1-3 let the word being typed match as a prefix without merging the
-- doclists of every word that starts with it.
-- Triggers keep the index current wherever units appear or their text changes (import,
-- curation merge and split, packages, lab pulls), so no writer can forget it.
CREATE VIRTUAL TABLE unit_search USING fts5(
    text,
    content = 'units',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- A bulk insert (import, a lab pull) defers its units to one indexing statement at its
-- end (store.search.indexing_in_bulk, inside the same transaction): FTS5 writes its
-- pending words out at every statement, so one trigger per row of an executemany took
-- ten times as long as the import's own inserts.
CREATE TRIGGER unit_search_insert AFTER INSERT ON units
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'search_index_deferred') BEGIN
    INSERT INTO unit_search (rowid, text) VALUES (new.rowid, new.text);
END;

CREATE TRIGGER unit_search_delete AFTER DELETE ON units BEGIN
    INSERT INTO unit_search (unit_search, rowid, text) VALUES ('delete', old.rowid, old.text);
END;

-- Only a changed text: a lab pull rewrites every unit's row with the same text.
CREATE TRIGGER unit_search_update AFTER UPDATE OF text ON units
WHEN old.text IS NOT new.text BEGIN
    INSERT INTO unit_search (unit_search, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO unit_search (rowid, text) VALUES (new.rowid, new.text);
END;

INSERT INTO unit_search (unit_search) VALUES ('rebuild');

-- The article list's filter (title, source, author, date or url holding the typed text)
-- reads only this index, not the articles' rows with their whole text.
CREATE INDEX articles_listing ON articles (excluded, position, title, source, author, date, url, id);
