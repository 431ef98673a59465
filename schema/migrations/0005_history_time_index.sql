-- 0005: the time of the latest label change (stamped into exports so that two exports of
-- the same project are identical) without scanning the whole history.
CREATE INDEX label_history_time ON label_history (changed_at);
