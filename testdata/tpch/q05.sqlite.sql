-- TPC-H Q5, Local Supplier Volume; validation parameters REGION = ASIA, DATE = 1994-01-01.
-- The SQLite spelling of q05.sql:
-- - date arithmetic is date('x', '+n unit').
-- - DATE 'x' is the text 'x' (dates are stored as text).
SELECT
    n_name,
    sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM
    customer,
    orders,
    lineitem,
    supplier,
    nation,
    region
WHERE
    c_custkey = o_custkey
    AND l_orderkey = o_orderkey
    AND l_suppkey = s_suppkey
    AND c_nationkey = s_nationkey
    AND s_nationkey = n_nationkey
    AND n_regionkey = r_regionkey
    AND r_name = 'ASIA'
    AND o_orderdate >= '1994-01-01'
    AND o_orderdate < date('1994-01-01', '+1 years')
GROUP BY
    n_name
ORDER BY
    revenue DESC;
