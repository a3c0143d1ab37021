-- TPC-H Q4, Order Priority Checking; validation parameter DATE = 1993-07-01.
-- The SQLite spelling of q04.sql:
-- - date arithmetic is date('x', '+n unit').
-- - DATE 'x' is the text 'x' (dates are stored as text).
SELECT
    o_orderpriority,
    count(*) AS order_count
FROM
    orders
WHERE
    o_orderdate >= '1993-07-01'
    AND o_orderdate < date('1993-07-01', '+3 months')
    AND EXISTS (
        SELECT
            *
        FROM
            lineitem
        WHERE
            l_orderkey = o_orderkey
            AND l_commitdate < l_receiptdate)
GROUP BY
    o_orderpriority
ORDER BY
    o_orderpriority;
