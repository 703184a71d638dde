-- payroll: opening year-to-date tax figures of employees whose earlier months
-- of a tax year were paid by the old system (a migration's import), so the
-- cumulative withholding of the first month paid here goes on from them.
-- The figures are salaries: one sealed token per row (hf_pii_seal_field,
-- AAD "<tenant>:ytd_openings.figures") of the text
--     "<income>,<special>,<additional>,<other>,<withheld>"
-- five whole numbers of fen: cumulative income, special deductions (the
-- employee's social insurance and housing fund), special additional
-- deductions, other deductions and tax withheld, through `through_month`
-- (the 5 000 a month follows from `months`, the months of that income with
-- this employer). A row is replaced by a new import of the same employee
-- and year; a run reads the row of its year when no earlier payslip of that
-- year exists here.
CREATE TABLE payroll.ytd_openings (
    tenant_id     uuid        NOT NULL,
    employee_id   uuid        NOT NULL,
    tax_year      int         NOT NULL CHECK (tax_year BETWEEN 2019 AND 2100),
    through_month int         NOT NULL CHECK (through_month BETWEEN 1 AND 12),
    months        int         NOT NULL CHECK (months BETWEEN 0 AND 12 AND months <= through_month),
    figures_enc   text        NOT NULL,
    import_id     uuid,                   -- the import that wrote it, if any
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, tax_year),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);
