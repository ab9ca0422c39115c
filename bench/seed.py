#!/usr/bin/python3
"""The benchmark's data: deterministic PostgreSQL statements (generate_series, no randomness)
for the northwind schema, about --rows rows in all (default 370,000, the size of Drizzle's
published benchmark). Prints the SQL and, with --sizes, the table sizes as JSON (the load
generator draws ids from them).

  bench/seed.py --rows 370000 | psql URL
"""
import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=370000)
parser.add_argument("--sizes", action="store_true")
args = parser.parse_args()

# Northwind's proportions: order details are ~82% of the rows.
unit = max(args.rows // 370, 1)
sizes = {
    "customers": 9 * unit, "employees": max(unit // 5, 10), "suppliers": unit, "products": 3 * unit,
    "orders": 50 * unit,
}
sizes["order_details"] = 6 * sizes["orders"]
if args.sizes:
    print(json.dumps(sizes))
    raise SystemExit(0)

print(f"""
BEGIN;
TRUNCATE order_details, orders, products, suppliers, employees, customers;
INSERT INTO customers (id, company_name, contact_name, city, country, phone)
  SELECT i, 'Company ' || md5(i::text), 'Contact ' || i, 'City ' || (i % 97), 'Country ' || (i % 21),
         '+1-555-' || lpad((i % 10000)::text, 4, '0')
  FROM generate_series(1, {sizes['customers']}) AS i;
INSERT INTO employees (id, first_name, last_name, title, hired_on, reports_to)
  SELECT i, 'First' || i, 'Last' || i, CASE WHEN i = 1 THEN 'CEO' ELSE 'Sales Representative' END,
         date '2010-01-01' + (i % 3650), CASE WHEN i = 1 THEN NULL ELSE 1 + (i % 5) END
  FROM generate_series(1, {sizes['employees']}) AS i;
INSERT INTO suppliers (id, company_name, country)
  SELECT i, 'Supplier ' || i, 'Country ' || (i % 21) FROM generate_series(1, {sizes['suppliers']}) AS i;
INSERT INTO products (id, name, supplier_id, unit_price, units_in_stock, discontinued)
  SELECT i, 'Product ' || i, 1 + (i % {sizes['suppliers']}), ((i % 500) + 1) * 1.25, i % 120, i % 17 = 0
  FROM generate_series(1, {sizes['products']}) AS i;
INSERT INTO orders (id, customer_id, employee_id, ordered_at, ship_city, freight)
  SELECT i, 1 + (i % {sizes['customers']}), 1 + (i % {sizes['employees']}),
         timestamptz '2020-01-01 00:00:00+00' + (i || ' minutes')::interval, 'City ' || (i % 97), (i % 300) * 0.5
  FROM generate_series(1, {sizes['orders']}) AS i;
INSERT INTO order_details (order_id, product_id, unit_price, quantity, discount)
  SELECT o, 1 + ((o * 7 + d * 13) % {sizes['products']}), ((o + d) % 500 + 1) * 1.25, 1 + (o + d) % 20, (d % 3) * 0.05
  FROM generate_series(1, {sizes['orders']}) AS o, generate_series(1, 6) AS d;
COMMIT;
ANALYZE;
""")
