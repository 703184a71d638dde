-- payroll: the city policies shipped with hrflow (tenant_id NULL): Shanghai,
-- Beijing, Shenzhen, Hangzhou and Chengdu, the contribution year that began
-- 2025-07-01, open-ended until a later migration closes them and adds the
-- next year's rows (an applied migration never changes). This file is the
-- data; docs/payroll.md lists each figure with where it comes from and how
-- sure it is. A tenant whose figures differ (the work-injury rate of its
-- industry, a housing-fund rate between 5 and 12 %, a newer notice) creates
-- its own policy through the API, which takes precedence for the days it
-- covers.
INSERT INTO payroll.city_policies (id, tenant_id, city, valid_from, valid_until, source, create_time)
VALUES
    ('00000000-0000-4000-8000-000000002001', NULL, '上海', '2025-07-01', NULL,
     '上海市人力资源和社会保障局 2025年度社会保险缴费基数上下限 (7 460–37 302, from 2025-07-01); 上海市公积金管理中心 2025年度住房公积金缴存基数 (2 690–37 302, 7 %, rounded to the yuan); work injury: class 1 industry base rate',
     '2025-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002002', NULL, '北京', '2025-07-01', NULL,
     '北京市人力资源和社会保障局等 2025年度各项社会保险缴费工资基数上下限 (7 162–35 811, from 2025-07-01), medical 2 % + 3 yuan (大额医疗互助); 北京住房公积金管理中心 2025住房公积金年度 (12 %, 2 540–35 811, rounded to the yuan); work injury: class 1 industry base rate',
     '2025-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002003', NULL, '深圳', '2025-07-01', NULL,
     '深圳市社会保险基金管理局 2025年度缴费基数 (pension 4 775–27 549; medical tier 1 and maternity on 60 %–300 % of the city average wage; unemployment and work injury from the minimum wage 2 520); 深圳市住房公积金管理中心 2025 (5 %, 2 520–44 265); work injury: class 1 industry base rate',
     '2025-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002004', NULL, '杭州', '2025-07-01', NULL,
     '浙江省人力资源和社会保障厅 2025年度社会保险缴费基数上下限 (4 812–24 930; medical with maternity merged, 9.5 %); 杭州住房公积金管理中心 2025 (12 %, 2 490–39 530, rounded to the yuan); work injury: class 1 industry base rate',
     '2025-07-01T00:00:00Z'),
    ('00000000-0000-4000-8000-000000002005', NULL, '成都', '2025-07-01', NULL,
     '四川省人力资源和社会保障厅 2025年度社会保险缴费基数上下限 (4 534–22 668; medical with maternity merged, 7.5 %); 成都住房公积金管理中心 2025 (12 %, 2 100–31 308, rounded to the yuan); work injury: class 1 industry base rate',
     '2025-07-01T00:00:00Z');

INSERT INTO payroll.city_policy_items
    (policy_id, kind, employee_rate, employer_rate, base_floor, base_cap, employee_fixed, rounding)
VALUES
    ('00000000-0000-4000-8000-000000002001', 'pension', 80000, 160000, 746000, 3730200, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002001', 'medical', 20000, 90000, 746000, 3730200, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002001', 'unemployment', 5000, 5000, 746000, 3730200, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002001', 'work_injury', 0, 1600, 746000, 3730200, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002001', 'maternity', 0, 10000, 746000, 3730200, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002001', 'housing_fund', 70000, 70000, 269000, 3730200, 0, 'yuan'),
    ('00000000-0000-4000-8000-000000002002', 'pension', 80000, 160000, 716200, 3581100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002002', 'medical', 20000, 90000, 716200, 3581100, 300, 'fen'),
    ('00000000-0000-4000-8000-000000002002', 'unemployment', 5000, 5000, 716200, 3581100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002002', 'work_injury', 0, 2000, 716200, 3581100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002002', 'maternity', 0, 8000, 716200, 3581100, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002002', 'housing_fund', 120000, 120000, 254000, 3581100, 0, 'yuan'),
    ('00000000-0000-4000-8000-000000002003', 'pension', 80000, 160000, 477500, 2754900, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002003', 'medical', 20000, 50000, 805400, 4027000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002003', 'unemployment', 3000, 7000, 252000, 4027000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002003', 'work_injury', 0, 1400, 252000, 4027000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002003', 'maternity', 0, 5000, 805400, 4027000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002003', 'housing_fund', 50000, 50000, 252000, 4426500, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002004', 'pension', 80000, 160000, 481200, 2493000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002004', 'medical', 20000, 95000, 481200, 2493000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002004', 'unemployment', 5000, 5000, 481200, 2493000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002004', 'work_injury', 0, 2000, 481200, 2493000, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002004', 'housing_fund', 120000, 120000, 249000, 3953000, 0, 'yuan'),
    ('00000000-0000-4000-8000-000000002005', 'pension', 80000, 160000, 453400, 2266800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002005', 'medical', 20000, 75000, 453400, 2266800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002005', 'unemployment', 4000, 6000, 453400, 2266800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002005', 'work_injury', 0, 2000, 453400, 2266800, 0, 'fen'),
    ('00000000-0000-4000-8000-000000002005', 'housing_fund', 120000, 120000, 210000, 3130800, 0, 'yuan');
