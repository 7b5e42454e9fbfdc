import type { Sql } from 'postgres'

/**
 * A realistic demo dataset (regions, customers, orders over the last 90 days) in the `demo` schema, created once.
 * Generated inside PostgreSQL with a fixed seed, so every machine gets the same shape of data.
 */
export async function seedDemoData(sql: Sql): Promise<{ created: boolean; orders: number }> {
  const [exists] = await sql<{ exists: boolean }[]>`SELECT to_regclass('demo.orders') IS NOT NULL AS exists`
  if (exists?.exists) {
    const [count] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM demo.orders`
    return { created: false, orders: count?.n ?? 0 }
  }
  await sql.begin(async (tx) => {
    await tx.unsafe(`
      CREATE SCHEMA demo;
      CREATE TABLE demo.regions (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL);
      INSERT INTO demo.regions VALUES
        (1, 'Nord', 'DE'), (2, 'Süd', 'DE'), (3, 'West', 'DE'), (4, 'Ost', 'DE'),
        (5, 'Île-de-France', 'FR'), (6, 'Øresund', 'DK'), (7, 'Łódź', 'PL'), (8, 'Zürich', 'CH');
      CREATE TABLE demo.customers (
        id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, region_id int NOT NULL REFERENCES demo.regions,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE demo.orders (
        id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES demo.customers, ordered_at timestamptz NOT NULL,
        status text NOT NULL, quantity int NOT NULL, amount numeric(12, 2) NOT NULL
      );
      CREATE INDEX orders_ordered_at_idx ON demo.orders (ordered_at);
    `)
    await tx`SELECT setseed(0.42)`
    await tx.unsafe(`
      INSERT INTO demo.customers
      SELECT g, 'Customer ' || g, 'customer' || g || '@example.com', 1 + (random() * 7)::int,
             now() - interval '2 years' + random() * interval '600 days'
      FROM generate_series(1, 600) g;
      INSERT INTO demo.orders
      SELECT g, 1 + (random() * 599)::int,
             date_trunc('minute', now() - random() * interval '90 days'),
             (ARRAY['paid', 'paid', 'paid', 'shipped', 'refunded'])[1 + (random() * 4)::int],
             1 + (random() * 9)::int,
             round((5 + random() * 495)::numeric, 2)
      FROM generate_series(1, 12000) g;
    `)
  })
  return { created: true, orders: 12_000 }
}

/** The query behind the demo schedule: revenue by region for the report period. */
export const DEMO_REPORT_SQL = `SELECT r.name AS region, r.country,
       count(o.id)::int AS orders,
       sum(o.quantity)::int AS units,
       coalesce(sum(o.amount), 0)::numeric(12,2) AS revenue,
       max(o.ordered_at) AS last_order_at
  FROM demo.regions r
  LEFT JOIN demo.customers c ON c.region_id = r.id
  LEFT JOIN demo.orders o ON o.customer_id = c.id
       AND o.status <> 'refunded'
       AND o.ordered_at >= :period_start::timestamptz - interval '30 days'
       AND o.ordered_at < :period_end::timestamptz
 GROUP BY r.name, r.country
 ORDER BY revenue DESC`
