-- TPC-H Q12, Shipping Modes and Order Priority; validation parameters SHIPMODE1 = MAIL, SHIPMODE2 = SHIP, DATE = 1994-01-01.
-- The SQLite spelling of q12.sql:
-- - date arithmetic is date('x', '+n unit').
-- - DATE 'x' is the text 'x' (dates are stored as text).
SELECT
    l_shipmode,
    sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count,
    sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count
FROM
    orders,
    lineitem
WHERE
    o_orderkey = l_orderkey
    AND l_shipmode IN ('MAIL', 'SHIP')
    AND l_commitdate < l_receiptdate
    AND l_shipdate < l_commitdate
    AND l_receiptdate >= '1994-01-01'
    AND l_receiptdate < date('1994-01-01', '+1 years')
GROUP BY
    l_shipmode
ORDER BY
    l_shipmode;
