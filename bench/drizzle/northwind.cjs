// The bench's Northwind-like schema (bench/northwind.schema.json) as a Drizzle ORM schema, and
// the seven requests bench/load sends to sluiced, written as a Drizzle user would: prepared
// statements and relational queries (`db.query`), one transaction for the insert.
'use strict';
const { createRequire } = require('module');
const path = require('path');
// The npm packages tools/install-deps.sh installs (never committed): SLUICE_NODE_MODULES, else
// the checkout's .cache/node.
const modules = process.env.SLUICE_NODE_MODULES || path.join(__dirname, '..', '..', '.cache', 'node', 'node_modules');
const need = createRequire(path.join(modules, 'index.js'));
const { eq, desc, ilike, sql, relations } = need('drizzle-orm');
const pg = need('drizzle-orm/pg-core');
const { drizzle } = need('drizzle-orm/node-postgres');
const { Pool } = need('pg');

const customers = pg.pgTable('customers', {
  id: pg.integer('id').primaryKey(),
  companyName: pg.varchar('company_name', { length: 80 }).notNull(),
  contactName: pg.varchar('contact_name', { length: 80 }).notNull(),
  city: pg.varchar('city', { length: 40 }).notNull(),
  country: pg.varchar('country', { length: 40 }).notNull(),
  phone: pg.varchar('phone', { length: 24 }),
});
const employees = pg.pgTable('employees', {
  id: pg.integer('id').primaryKey(),
  firstName: pg.varchar('first_name', { length: 40 }).notNull(),
  lastName: pg.varchar('last_name', { length: 40 }).notNull(),
  title: pg.varchar('title', { length: 60 }).notNull(),
  hiredOn: pg.date('hired_on').notNull(),
  reportsTo: pg.integer('reports_to'),
});
const products = pg.pgTable('products', {
  id: pg.integer('id').primaryKey(),
  name: pg.varchar('name', { length: 80 }).notNull(),
  supplierId: pg.integer('supplier_id').notNull(),
  unitPrice: pg.numeric('unit_price', { precision: 10, scale: 2 }).notNull(),
  unitsInStock: pg.integer('units_in_stock').notNull(),
  discontinued: pg.boolean('discontinued').notNull(),
});
const orders = pg.pgTable('orders', {
  id: pg.integer('id').primaryKey(),
  customerId: pg.integer('customer_id').notNull(),
  employeeId: pg.integer('employee_id').notNull(),
  orderedAt: pg.timestamp('ordered_at', { withTimezone: true, mode: 'string' }).notNull(),
  shipCity: pg.varchar('ship_city', { length: 40 }).notNull(),
  freight: pg.numeric('freight', { precision: 10, scale: 2 }).notNull(),
});
const orderDetails = pg.pgTable('order_details', {
  orderId: pg.integer('order_id').notNull(),
  productId: pg.integer('product_id').notNull(),
  unitPrice: pg.numeric('unit_price', { precision: 10, scale: 2 }).notNull(),
  quantity: pg.integer('quantity').notNull(),
  discount: pg.doublePrecision('discount').notNull(),
}, (t) => [pg.primaryKey({ columns: [t.orderId, t.productId] })]);

const schema = {
  customers, employees, products, orders, orderDetails,
  customersRelations: relations(customers, ({ many }) => ({ orders: many(orders) })),
  employeesRelations: relations(employees, ({ many }) => ({ orders: many(orders) })),
  ordersRelations: relations(orders, ({ one, many }) => ({
    customer: one(customers, { fields: [orders.customerId], references: [customers.id] }),
    employee: one(employees, { fields: [orders.employeeId], references: [employees.id] }),
    details: many(orderDetails),
  })),
  orderDetailsRelations: relations(orderDetails, ({ one }) => ({
    order: one(orders, { fields: [orderDetails.orderId], references: [orders.id] }),
    product: one(products, { fields: [orderDetails.productId], references: [products.id] }),
  })),
};

// A pool of `poolSize` connections to `url` and the seven requests on it.
function open(url, poolSize) {
  const pool = new Pool({ connectionString: url, max: poolSize });
  const db = drizzle(pool, { schema });
  const p = (name) => sql.placeholder(name);
  const prepared = {
    customer_by_id: db.select().from(customers).where(eq(customers.id, p('id'))).prepare('customer_by_id'),
    customers_by_name: db.select({ id: customers.id, companyName: customers.companyName }).from(customers)
      .where(ilike(customers.companyName, p('pattern'))).orderBy(customers.id).limit(20).prepare('customers_by_name'),
    products_page: db.select().from(products).orderBy(products.id).limit(20).offset(p('offset')).prepare('products_page'),
    order_with_details: db.query.orders.findFirst({
      where: eq(orders.id, p('id')),
      with: {
        details: { columns: { quantity: true, unitPrice: true, discount: true },
                   with: { product: { columns: { name: true, unitPrice: true } } } },
        customer: { columns: { companyName: true } },
      },
    }).prepare('order_with_details'),
    employee_with_orders: db.query.employees.findFirst({
      where: eq(employees.id, p('id')),
      with: { orders: { columns: { id: true, orderedAt: true, freight: true }, orderBy: [desc(orders.orderedAt)], limit: 10 } },
    }).prepare('employee_with_orders'),
    update_product: db.update(products).set({ unitsInStock: p('stock') }).where(eq(products.id, p('id')))
      .prepare('update_product'),
  };
  // How each request kind runs, given its parameters (see `params`).
  const kinds = {
    customer_by_id: (q) => prepared.customer_by_id.execute(q),
    customers_by_name: (q) => prepared.customers_by_name.execute(q),
    products_page: (q) => prepared.products_page.execute(q),
    order_with_details: (q) => prepared.order_with_details.execute(q),
    employee_with_orders: (q) => prepared.employee_with_orders.execute(q),
    insert_order: (q) => db.transaction(async (tx) => {
      await tx.insert(orders).values({ id: q.id, customerId: q.customer, employeeId: 1, orderedAt: '2024-06-01T10:00:00Z',
                                        shipCity: 'City 1', freight: '12.50' });
      await tx.insert(orderDetails).values([
        { orderId: q.id, productId: 1, unitPrice: '9.50', quantity: 2, discount: 0 },
        { orderId: q.id, productId: 2, unitPrice: '3.75', quantity: 1, discount: 0.05 },
        { orderId: q.id, productId: 3, unitPrice: '7.00', quantity: 5, discount: 0 },
      ]);
    }),
    update_product: (q) => prepared.update_product.execute(q),
  };
  return { pool, kinds };
}

// Each request kind's parameters, as bench/load varies them: `pick(n)` is 1..n at random.
const params = {
  customer_by_id: (pick, sizes) => ({ id: pick(sizes.customers) }),
  customers_by_name: (pick) => ({ pattern: '%' + (pick(4096) - 1).toString(16).padStart(3, '0') + '%' }),
  products_page: (pick, sizes) => ({ offset: pick(Math.max(sizes.products - 20, 1)) - 1 }),
  order_with_details: (pick, sizes) => ({ id: pick(sizes.orders) }),
  employee_with_orders: (pick, sizes) => ({ id: pick(sizes.employees) }),
  insert_order: (pick, sizes) => ({ id: nextOrderId++, customer: pick(sizes.customers) }),
  update_product: (pick, sizes) => ({ stock: pick(100) - 1, id: pick(sizes.products) }),
};

// Order ids apart from bench/load's (which start at 2,000,000,000 + …) and from the seed's.
let nextOrderId = 1000000000 + (Math.floor(Date.now() / 1000) % 1400) * 100000 + process.pid % 100000;

module.exports = { open, params };
