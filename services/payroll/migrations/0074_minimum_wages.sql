-- payroll: cities' monthly minimum wages with their effective periods, the
-- pay input min_wage. Shaped like the city policies (0020): a row without a
-- tenant is shipped with hrflow (read-only, every tenant's default), a
-- tenant's own row (the API) takes precedence for the days it covers, and
-- within one owner and one city periods never overlap (the exclusion
-- constraint is the check). monthly is fen (services/payroll/money.h).
CREATE TABLE payroll.minimum_wages (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid,                       -- NULL: shipped with hrflow
    city        text        NOT NULL CHECK (length(city) BETWEEN 1 AND 64),
    valid_from  date        NOT NULL,
    valid_until date,                       -- last day (inclusive); NULL: open
    monthly     bigint      NOT NULL CHECK (monthly > 0),
    source      text        NOT NULL DEFAULT '' CHECK (length(source) <= 500),
    create_time timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until IS NULL OR valid_until >= valid_from),
    EXCLUDE USING gist (
        (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
        city WITH =,
        daterange(valid_from, valid_until, '[]') WITH &&)
);
CREATE INDEX minimum_wages_page ON payroll.minimum_wages (tenant_id, create_time, id);

-- The shipped figures: the first (highest) tier of each city's monthly
-- minimum wage, the previous period closed where it is known. The current
-- ones of Shanghai, Beijing, Shenzhen and Chengdu are those of the notices
-- as secondary sources quote them; the rest are unchecked (docs/payroll.md,
-- "Minimum wages");
-- a later migration closes an open period and adds the next (an applied
-- migration never changes), and a tenant whose figure differs adds its own.
INSERT INTO payroll.minimum_wages (id, tenant_id, city, valid_from, valid_until, monthly, source,
                                   create_time)
VALUES
    ('00000000-0000-4000-8000-000000007401', NULL, '上海', '2023-07-01', '2025-06-30', 269000,
     '上海市人力资源和社会保障局 关于调整本市最低工资标准的通知 (2 690 a month from 2023-07-01)',
     '2023-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007402', NULL, '上海', '2025-07-01', NULL, 274000,
     '沪人社规〔2025〕10号 关于调整本市最低工资标准的通知 (2 740 a month from 2025-07-01; rsj.sh.gov.cn/tgzfl_17732/20250714/t0035_1434097.html)',
     '2025-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007403', NULL, '北京', '2023-09-01', '2025-08-31', 242000,
     '北京市人力资源和社会保障局 关于调整北京市最低工资标准的通知 (2 420 a month from 2023-09-01)',
     '2023-09-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007404', NULL, '北京', '2025-09-01', NULL, 254000,
     '北京市人力资源和社会保障局 关于调整北京市最低工资标准的通知 (2 540 a month from 2025-09-01; rsj.beijing.gov.cn/weimenhu/wmtgz/202507/t20250724_4157298.html)',
     '2025-09-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007405', NULL, '深圳', '2022-12-01', '2025-02-28', 236000,
     '深圳市人力资源和社会保障局 深圳市最低工资标准 (2 360 a month from 2022-12-01)',
     '2022-12-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007406', NULL, '深圳', '2025-03-01', NULL, 252000,
     '深圳市人民政府 深圳市最低工资标准 (2 520 a month from 2025-03-01; sz.gov.cn, post_12014799)',
     '2025-03-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007407', NULL, '杭州', '2021-08-01', '2024-12-31', 228000,
     '浙江省人民政府 关于调整全省最低工资标准的通知, 第1档 (2 280 a month from 2021-08-01)',
     '2021-08-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007408', NULL, '杭州', '2025-01-01', NULL, 249000,
     '浙江省人民政府 关于调整全省最低工资标准的通知, 第1档 (2 490 a month from 2025-01-01)',
     '2025-01-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007409', NULL, '成都', '2022-04-01', '2024-12-31', 210000,
     '四川省人民政府 关于调整全省最低工资标准的通知, 第1档 (2 100 a month from 2022-04-01)',
     '2022-04-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000007410', NULL, '成都', '2025-01-01', NULL, 233000,
     '四川省人民政府 关于调整全省最低工资标准的通知 and 成府规〔2025〕4号, 第1档 (2 330 a month from 2025-01-01: the central districts, the high-tech zone and 天府新区)',
     '2025-01-01T00:00:00Z');
