-- The order with its details, their products and the customer, written by hand as one
-- statement (the baseline of the relational target in docs/benchmarks.md). bench/run.py runs
-- it with pgbench -M prepared -D orders=<the seeded order count>.
\set id random(1, :orders)
SELECT o.id, o.customer_id, o.employee_id, o.ordered_at, o.ship_city, o.freight, c.company_name,
       d.quantity, d.unit_price, d.discount, p.name, p.unit_price
  FROM orders o
  JOIN customers c ON c.id = o.customer_id
  LEFT JOIN order_details d ON d.order_id = o.id
  LEFT JOIN products p ON p.id = d.product_id
 WHERE o.id = :id;
