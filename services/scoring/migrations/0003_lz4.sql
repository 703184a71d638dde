-- scoring: reports are large JSON documents (every answer's evidence and
-- contributions); PostgreSQL's default pglz compression of them was about a
-- tenth of all CPU in the report benchmark (docs/performance.md). LZ4 is
-- several times faster at a similar ratio. Existing rows keep their
-- compression until rewritten.
ALTER TABLE scoring.reports ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE scoring.competency_models ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE scoring.questions ALTER COLUMN body SET COMPRESSION lz4;
