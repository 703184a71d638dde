-- payroll: the spreadsheet imports that wrote something (a dry run or a
-- refused file writes nothing, this row included): who imported which kind
-- into which company, and how many rows; never a value of the file.
CREATE TABLE payroll.imports (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id  uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('employees', 'contracts', 'ytd-openings',
                                                     'punches')),
    actor       text        NOT NULL,
    rows        int         NOT NULL CHECK (rows >= 0),
    created     int         NOT NULL CHECK (created >= 0),
    existing    int         NOT NULL CHECK (existing >= 0),
    replaced    int         NOT NULL CHECK (replaced >= 0),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX imports_page ON payroll.imports (tenant_id, create_time, id);
