// pgvector's HNSW on the index benchmark's own data, for recall side by side.
//
//   node pgvector_recall.mjs DIR [EF...]
//
// DIR holds items.tsv and queries.tsv (bench/index_data.c) and truth.tsv
// (run <TAB> qid <TAB> distance of the exact 10th neighbour, for the runs
// exact, exact_f10 and exact_f1 of index_bench.sh).  pgvector runs inside
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
await db.exec('CREATE EXTENSION vector; CREATE TABLE items (id int PRIMARY KEY, pid int, e vector(128))')
const version = (await db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion

// Multi-row INSERTs: PGlite has no COPY from a client file.
let rows = []
const load = async () => { await db.exec(`INSERT INTO items VALUES ${rows.join(',')}`); rows = [] }
for await (const line of readline.createInterface({ input: fs.createReadStream(dir + '/items.tsv') })) {
  const [id, pid, e] = line.split('\t')
  rows.push(`(${id},${pid},'${e}')`)
  if (rows.length === 1000) await load()
}
if (rows.length) await load()

let t = Date.now()
await db.exec("SET maintenance_work_mem = '1GB'")
await db.exec('CREATE INDEX items_e ON items USING hnsw (e vector_l2_ops) WITH (m = 16, ef_construction = 64)')
const size = (await db.query("SELECT round(pg_relation_size('items_e') / 1048576.0, 1) AS s")).rows[0].s
console.log(`pgvector ${version} hnsw (m 16, ef_construction 64) in PGlite: build ${((Date.now() - t) / 1000).toFixed(1)} s (WebAssembly), ${size} MiB`)

await db.exec('ANALYZE items')

const lines = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'))
const queries = new Map(lines('queries.tsv').map(([qid, , e]) => [qid, e]))
const truth = (run) => lines('truth.tsv').filter(([r]) => r === run).map(([, qid, d]) => [qid, Number(d)])

// recall@10 of one query shape; ties at the 10th distance count as hits, as in index_bench.sh
async function recall(run, where) {
  let hits = 0, rows = 0
  const kth = truth(run)
  for (const [qid, d10] of kth) {
    const r = await db.query(`SELECT (e <-> $1)::float8 AS d FROM items ${where} ORDER BY e <-> $1 LIMIT 10`, [queries.get(qid)])
    rows += r.rows.length
    for (const row of r.rows) if (row.d <= d10 * (1 + 1e-6)) hits++
  }
  return `recall@10 ${(hits / (10 * kth.length)).toFixed(4)}, ${(rows / kth.length).toFixed(2)} rows of 10`
}

for (const ef of efs) {
  await db.exec(`SET hnsw.ef_search = ${ef}`)
  console.log(`pgvector ef_search ${String(ef).padStart(4)}  ${await recall('exact', '')}`)
}
await db.exec('SET hnsw.ef_search = 40; SET enable_seqscan = off')
for (const mode of ['off', 'strict_order', 'relaxed_order']) {
  await db.exec(`SET hnsw.iterative_scan = ${mode}`)
  console.log(`pgvector filtered, ef_search 40, iterative_scan ${mode}: 10% ${await recall('exact_f10', 'WHERE pid % 10 = 3')}; 1% ${await recall('exact_f1', 'WHERE pid % 100 = 7')}`)
}
await db.close()
