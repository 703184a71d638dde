-- payroll: the shipped city policies checked against the sources that could
-- be found (docs/payroll.md lists each figure, its source and whether it is
-- checked). This corrects the 2025-07 rows of 0021 where the sources agree
-- on another figure, closes them where the sources say when the next base
-- came in, and adds the next rows:
--   上海  2025-07-01..2026-06-30 corrected (maternity is inside medical's 9 %
--         since 沪医保规〔2025〕2号, so no separate 1 %; work injury class I
--         0.2 % from 2025-01-01), 2026-07-01 onward the 2026 bases;
--   北京  2025-07-01..2026-06-30, 2026-07-01 onward the 2026 bases;
--   深圳  2025-07-01..2025-12-31 corrected (medical and maternity on the
--         medical bureau's calendar-year 2025 bases, unemployment and the
--         housing fund capped at 44 934), 2026-01-01 onward the 2026 medical
--         bases (the 2026-07 bases were not found: open until they are);
--   杭州  2025-07-01..2026-06-30 corrected (Zhejiang's 2025 bases, a calendar
--         year; the housing fund's 2025-07 cap), 2026-07-01 onward the 2026
--         housing fund (Zhejiang's 2026 bases were not found: 2025's carried);
--   成都  unchanged: no source could be found for any figure.
-- The work-injury rates stay each city's class-I rate; an employer's rate
-- depends on its industry and record (a tenant's own policy).
UPDATE payroll.city_policies SET valid_until = '2026-06-30', source =
    '上海市人社局 2025年度社保缴费基数 7 460–37 302 from 2025-07-01 (rsj.sh.gov.cn/tgsgg_17341/20250918/t0035_1435637.html); pension 16/8 %; medical 9 % (maternity inside) / 2 % 沪医保规〔2025〕2号; unemployment 0.5/0.5 %; work injury class I 0.2 % from 2025-01-01 (rsj.sh.gov.cn/tshbx_17729/20250103/t0035_1429759.html); housing fund 2 690–37 302, 7 %, to the yuan 沪公积金管委会〔2025〕8号'
WHERE id = '00000000-0000-4000-8000-000000002001';
DELETE FROM payroll.city_policy_items
WHERE policy_id = '00000000-0000-4000-8000-000000002001' AND kind = 'maternity';
UPDATE payroll.city_policy_items SET employer_rate = 2000
WHERE policy_id = '00000000-0000-4000-8000-000000002001' AND kind = 'work_injury';

UPDATE payroll.city_policies SET valid_until = '2026-06-30', source =
    '北京市人社局等 关于2025年度各项社会保险缴费工资基数上下限的通告 7 162–35 811 from 2025-07-01 (rsj.beijing.gov.cn/xxgk/2024zcwj/202509/t20250918_4204880.html); medical 2 % + 3 yuan; unemployment 0.5/0.5 %; 北京住房公积金 2025年度 2 540–35 811, 12 %, to the yuan; medical 9 % + maternity 0.8 % and work injury class I 0.2 % unchecked'
WHERE id = '00000000-0000-4000-8000-000000002002';

UPDATE payroll.city_policies SET valid_until = '2025-12-31', source =
    '广东 粤人社发〔2025〕32号: pension 4 775–27 549 from 2025-07-01; 深圳市医保局 2025 (calendar year, notice of 2024-12-27): medical and maternity 6 733–33 666; unemployment 2 520 (minimum wage)–44 934; 深圳市住房公积金 2025-07: 2 520–44 934, 5 %; rates 8/16, 2/5 + 0.5, 0.3/0.7, injury class I 0.14 %; work-injury base unchecked'
WHERE id = '00000000-0000-4000-8000-000000002003';
UPDATE payroll.city_policy_items SET base_floor = 673300, base_cap = 3366600
WHERE policy_id = '00000000-0000-4000-8000-000000002003' AND kind IN ('medical', 'maternity');
UPDATE payroll.city_policy_items SET base_cap = 4493400
WHERE policy_id = '00000000-0000-4000-8000-000000002003'
  AND kind IN ('unemployment', 'housing_fund');

UPDATE payroll.city_policies SET valid_until = '2026-06-30', source =
    '浙江 浙人社发〔2025〕52号: 2025 social-insurance bases 4 986–25 299 (the calendar year 2025); 杭州住房公积金 2025-07 year: 2 490–40 694, 12 %, to the yuan; medical with maternity 9.5 / 2 %; unemployment 0.5/0.5 %; work injury class I 0.2 %; the 2026 calendar-year bases were not published when checked'
WHERE id = '00000000-0000-4000-8000-000000002004';
UPDATE payroll.city_policy_items SET base_floor = 498600, base_cap = 2529900
WHERE policy_id = '00000000-0000-4000-8000-000000002004' AND kind <> 'housing_fund';
UPDATE payroll.city_policy_items SET base_cap = 4069400
WHERE policy_id = '00000000-0000-4000-8000-000000002004' AND kind = 'housing_fund';

INSERT INTO payroll.city_policies (id, tenant_id, city, valid_from, valid_until, source, create_time)
VALUES
    ('00000000-0000-4000-8000-000000002011', NULL, '上海', '2026-07-01', NULL,
     '上海市人社局 2026年度社保缴费基数 7 546–37 731 from 2026-07-01 (rsj.sh.gov.cn/tdjjf_17554/20260824/t0035_1443297.html); medical 9 % (maternity inside) / 2 % 沪医保规〔2026〕2号; work injury class I 0.2 % 沪人社规〔2026〕2号; unemployment 0.5/0.5 % (employee share confirmed, the 2026 employer rate notice not found); housing fund 2 740–37 731, 7 %, to the yuan 沪公积金管委会〔2026〕3号',
     '2026-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002012', NULL, '北京', '2026-07-01', NULL,
     '北京市人社局等 关于2026年度各项社会保险缴费工资基数上下限的通告 京人社发〔2026〕7号 7 270–36 348 from 2026-07-01 (rsj.beijing.gov.cn/xxgk/2024zcwj/202608/t20260821_4831461.html); 北京住房公积金 2026年度 2 540–36 348, 12 %, to the yuan; rates as 2025 (medical 9 % + maternity 0.8 % and work injury class I 0.2 % unchecked)',
     '2026-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002013', NULL, '深圳', '2026-01-01', NULL,
     '深圳市医保局 2026 (calendar year, notice of 2025-12-29): medical and maternity 6 727–33 633; pension 4 775–27 549, unemployment and housing fund 2 520–44 934 as from 2025-07-01 (粤人社发〔2025〕32号; the 2026-07 bases were not found when checked); rates as 2025; work-injury base unchecked',
     '2026-01-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002014', NULL, '杭州', '2026-07-01', NULL,
     '杭州住房公积金 2026年度 (notice of 2026-07-25): 2 660–42 151, 12 %, to the yuan; social-insurance bases: Zhejiang''s 2025 figures 4 986–25 299 (浙人社发〔2025〕52号) carried, the 2026 ones not published when checked; rates as 2025',
     '2026-07-01T00:00:00Z');

INSERT INTO payroll.city_policy_items
    (policy_id, kind, employee_rate, employer_rate, base_floor, base_cap, employee_fixed, rounding)
VALUES
    ('00000000-0000-4000-8000-000000002011', 'pension', 80000, 160000, 754600, 3773100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002011', 'medical', 20000, 90000, 754600, 3773100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002011', 'unemployment', 5000, 5000, 754600, 3773100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002011', 'work_injury', 0, 2000, 754600, 3773100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002011', 'housing_fund', 70000, 70000, 274000, 3773100, 0, 'yuan'),
    ('00000000-0000-4000-8000-000000002012', 'pension', 80000, 160000, 727000, 3634800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002012', 'medical', 20000, 90000, 727000, 3634800, 300, 'fen'),
    ('00000000-0000-4000-8000-000000002012', 'unemployment', 5000, 5000, 727000, 3634800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002012', 'work_injury', 0, 2000, 727000, 3634800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002012', 'maternity', 0, 8000, 727000, 3634800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002012', 'housing_fund', 120000, 120000, 254000, 3634800, 0, 'yuan'),
    ('00000000-0000-4000-8000-000000002013', 'pension', 80000, 160000, 477500, 2754900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002013', 'medical', 20000, 50000, 672700, 3363300, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002013', 'unemployment', 3000, 7000, 252000, 4493400, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002013', 'work_injury', 0, 1400, 252000, 4027000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002013', 'maternity', 0, 5000, 672700, 3363300, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002013', 'housing_fund', 50000, 50000, 252000, 4493400, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002014', 'pension', 80000, 160000, 498600, 2529900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002014', 'medical', 20000, 95000, 498600, 2529900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002014', 'unemployment', 5000, 5000, 498600, 2529900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002014', 'work_injury', 0, 2000, 498600, 2529900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002014', 'housing_fund', 120000, 120000, 266000, 4215100, 0, 'yuan');
