-- payroll: payslips stored as their figures, with the employee's city,
-- department and position of the calculation.
--
-- body_enc keeps its name and its seal (hf_pii_encrypt, AAD
-- "<tenant>:payslips.body"); what it seals is now the payslip's figures
-- (services/payroll/payslip_codec.h: a zero byte, the format, then whole fen,
-- millionths, minutes and counts), a few hundred bytes where the packed
-- hrflow.v1.Payslip with its texts took about 2.9 KB: the names, labels,
-- formulas and sentences are rebuilt when it is read, from the scheme
-- version it was computed with. Rows written before keep the packed message
-- (it never starts with a zero byte) and read the same.
--
-- city, department and position are the employee's as they were when the
-- payslip was calculated, so the reports of a past month group it as it was
-- then; NULL on the rows written before (the reports then use the
-- employee's record, as they did).
ALTER TABLE payroll.payslips
    ADD COLUMN city       text,
    ADD COLUMN department text,
    ADD COLUMN position   text;
