-- TPC-H Q6, Forecasting Revenue Change; validation parameters DATE = 1994-01-01, DISCOUNT = 0.06, QUANTITY = 24.
-- The SQLite spelling of q06.sql:
-- - date arithmetic is date('x', '+n unit').
-- - DATE 'x' is the text 'x' (dates are stored as text).
-- - money is REAL here, and in doubles .06 - 0.01 and .06 + 0.01 are
--   0.049999... and 0.069999..., which would drop l_discount = 0.07: the bounds
--   are folded by hand.
SELECT
    sum(l_extendedprice * l_discount) AS revenue
FROM
    lineitem
WHERE
    l_shipdate >= '1994-01-01'
    AND l_shipdate < date('1994-01-01', '+1 years')
    AND l_discount BETWEEN 0.05 AND 0.07
    AND l_quantity < 24;
