// pgvector's HNSW on the index benchmark's own data, for recall side by side.
//
//   node pgvector_recall.mjs DIR [EF...]
//
// DIR holds items.tsv and queries.tsv (bench/index_data.c) and truth.tsv
// (qid <TAB> distance of the exact 10th neighbour).  pgvector runs inside
// PGlite (PostgreSQL compiled to WebAssembly): its recall is the algorithm's,
// but its speed is not comparable with a native server, so only build time
// and recall are printed.  index_bench.sh installs the pinned packages.
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import fs from 'fs'
import readline from 'readline'

const dir = process.argv[2]
const efs = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [20, 40, 80, 160]
const db = await PGlite.create(dir + '/pglite', { extensions: { vector } })
await db.exec('CREATE EXTENSION vector; CREATE TABLE items (id int PRIMARY KEY, e vector(128))')
const version = (await db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion

// Multi-row INSERTs: PGlite has no COPY from a client file.
let rows = []
const load = async () => { await db.exec(`INSERT INTO items VALUES ${rows.join(',')}`); rows = [] }
for await (const line of readline.createInterface({ input: fs.createReadStream(dir + '/items.tsv') })) {
  const [id, , e] = line.split('\t')
  rows.push(`(${id},'${e}')`)
  if (rows.length === 1000) await load()
}
if (rows.length) await load()

let t = Date.now()
await db.exec("SET maintenance_work_mem = '1GB'")
await db.exec('CREATE INDEX items_e ON items USING hnsw (e vector_l2_ops) WITH (m = 16, ef_construction = 64)')
const size = (await db.query("SELECT round(pg_relation_size('items_e') / 1048576.0, 1) AS s")).rows[0].s
console.log(`pgvector ${version} hnsw (m 16, ef_construction 64) in PGlite: build ${((Date.now() - t) / 1000).toFixed(1)} s (WebAssembly), ${size} MiB`)

const lines = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'))
const queries = lines('queries.tsv')
const kth = new Map(lines('truth.tsv').map(([qid, d]) => [qid, Number(d)]))
for (const ef of efs) {
  await db.exec(`SET hnsw.ef_search = ${ef}`)
  let hits = 0
  for (const [qid, , e] of queries) {
    const r = await db.query('SELECT (e <-> $1)::float8 AS d FROM items ORDER BY e <-> $1 LIMIT 10', [e])
    // ties at the 10th distance count as hits, as in index_bench.sh
    for (const row of r.rows) if (row.d <= kth.get(qid) * (1 + 1e-6)) hits++
  }
  console.log(`pgvector ef_search ${String(ef).padStart(4)}  recall@10 ${(hits / (10 * queries.length)).toFixed(4)}`)
}
await db.close()
