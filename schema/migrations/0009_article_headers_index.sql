-- 0009: the coding window's article list reads every article's title, source and date in
-- project order. The rows also hold the article's text (kilobytes each), so the read
-- visited a page or more per article (0.16-0.9 s at 20,000 articles, issue 24); this
-- covering index holds only the columns the list reads, so SQLite answers from it.
CREATE INDEX articles_headers ON articles (excluded, position, id, title, source, date);
