-- 0004: covering indexes for opening the coding window on a large project. The list of
-- codable units in order and a coder's progress read only these columns, so SQLite can
-- answer from the index without visiting the table rows (benchmarks: cold start).
CREATE INDEX units_codable ON units (seq, excluded, article_id);
CREATE INDEX units_by_id_codable ON units (id, excluded, article_id);
