-- pipeline: an uploaded file is kept only while its import needs it, and
-- never in clear (docs/security.md, "Imported files"). It waits in parts of
-- at most 1 MiB, each encrypted with the keyring under the AAD
-- "<tenant>:import_parts.content:<import id>.<part>" (a part moved to another
-- import or place does not decrypt), and goes in the transaction that
-- finishes the import, done or failed. Resuming reads the file from its
-- start (the header, the encoding and quoted line breaks decide where a row
-- begins), so the parts stay whole until then.
CREATE TABLE pipeline.import_parts (
    tenant_id uuid    NOT NULL,
    import_id uuid    NOT NULL,
    seq       integer NOT NULL,
    content   text    NOT NULL,
    PRIMARY KEY (tenant_id, import_id, seq),
    FOREIGN KEY (tenant_id, import_id) REFERENCES pipeline.imports (tenant_id, id)
        ON DELETE CASCADE
);
-- ciphertext does not compress: keep PostgreSQL from trying
ALTER TABLE pipeline.import_parts ALTER COLUMN content SET STORAGE EXTERNAL;
ALTER TABLE pipeline.imports ADD COLUMN parts integer NOT NULL DEFAULT 0;

-- Files queued before this migration were kept whole and in clear. Those of
-- finished imports are dropped here; the importer seals the others into
-- parts when it takes them up, before reading a row. The new column name
-- keeps replicas of the previous version off the new imports during a
-- rolling update: their reads and writes of `content` fail (the import
-- waits for a new replica) instead of taking a sealed file for an empty one.
ALTER TABLE pipeline.imports ALTER COLUMN content DROP NOT NULL;
UPDATE pipeline.imports SET content = NULL WHERE status NOT IN ('queued', 'running');
ALTER TABLE pipeline.imports RENAME COLUMN content TO legacy_content;
-- An import that a replica of the previous version was running meanwhile
-- (its file read into memory before) ends there: its last save drops the
-- file too.
CREATE FUNCTION pipeline.imports_drop_ended_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.legacy_content := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER imports_drop_ended_file BEFORE UPDATE OF status ON pipeline.imports
    FOR EACH ROW WHEN (NEW.status NOT IN ('queued', 'running') AND NEW.legacy_content IS NOT NULL)
    EXECUTE FUNCTION pipeline.imports_drop_ended_file();
