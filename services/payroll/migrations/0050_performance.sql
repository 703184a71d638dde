-- payroll: performance review cycles, raters' scores and rating bands.
--
-- A cycle belongs to one company, reviews a period and pays out in one
-- month (one cycle per company and payout month): that month's run reads
-- each employee's rating_coef from it. Bands map a rating (the weighted
-- mean of the employee's scores, computed by the service, rating.c) to a
-- grade and a bonus coefficient; the lowest band starts at 0. A score is
-- one rater's for one employee of the cycle's company; recording it again
-- replaces it. Scores, weights, minimums and coefficients are millionths
-- (87.5 is 87500000), as payroll keeps every rate.
CREATE TABLE payroll.review_cycles (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id      uuid        NOT NULL,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    payout_month    date        NOT NULL CHECK (extract(day FROM payout_month) = 1),
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (period_start <= period_end)
);
CREATE UNIQUE INDEX review_cycles_payout ON payroll.review_cycles (tenant_id, company_id, payout_month);
CREATE INDEX review_cycles_page ON payroll.review_cycles (tenant_id, create_time, id);

CREATE TABLE payroll.review_bands (
    tenant_id       uuid        NOT NULL,
    cycle_id        uuid        NOT NULL,
    grade           text        NOT NULL,
    min_score       bigint      NOT NULL CHECK (min_score >= 0),
    coefficient     bigint      NOT NULL CHECK (coefficient >= 0),
    PRIMARY KEY (tenant_id, cycle_id, grade),
    UNIQUE (tenant_id, cycle_id, min_score),
    FOREIGN KEY (tenant_id, cycle_id) REFERENCES payroll.review_cycles ON DELETE CASCADE
);

CREATE TABLE payroll.review_scores (
    tenant_id       uuid        NOT NULL,
    cycle_id        uuid        NOT NULL,
    employee_id     uuid        NOT NULL,
    rater           text        NOT NULL CHECK (length(rater) BETWEEN 1 AND 200),
    weight          bigint      NOT NULL CHECK (weight > 0),
    score           bigint      NOT NULL CHECK (score >= 0),
    actor           text        NOT NULL,
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, cycle_id, employee_id, rater),
    FOREIGN KEY (tenant_id, cycle_id) REFERENCES payroll.review_cycles ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees
);
CREATE INDEX review_scores_employee ON payroll.review_scores (tenant_id, employee_id);
