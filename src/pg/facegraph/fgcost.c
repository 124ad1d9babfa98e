/*
 * facegraph: the planner's cost of an index scan.
 *
 * Reading one graph element is a buffer pin and a page access that misses
 * the CPU cache, its misses overlapped with its neighbours' (fgrecent.c):
 * about 0.45 us over distinct queries at 200k and 1M realistic rows (1.8 and
 * 2.1 ms for 4,036 and 4,936 reads), against 0.26 us for a cached row of a
 * sequential scan, which the planner charges 0.084, and 0.33-0.56 us for
 * one that also computes a distance (with the distance functions' COST 10).
 * So an element read is charged 0.05 random page reads (0.2 at the
 * defaults; 0.075 before the overlapped reads made them faster, which sent
 * radius queries on sql/plan.sql's 20k rows to a sequential scan 2.3x
 * slower than the index at ef_search 128).  The first row costs the way
 * into level 0 and a search of width ef_search: about 700 + 0.8 *
 * ef_search * 2m element reads (measured at m 24, ef_search 20 / 64 / 112
 * / 160: 1,408 / 3,181 / 4,936 / 6,660 reads at 1M realistic rows, 1,169 /
 * 2,616 / 4,036 / 5,271 at 200k); every further row streamed costs about
 * one more expansion, 2m reads.  A filter that rejects most rows makes the
 * executor pull many more rows than LIMIT asks for, and the planner scales
 * the streaming part by that: with a very selective filter it picks the
 * exact scan, which is then faster too.  Radius scans search twice as wide
 * and stream the rows the sphere's selectivity promises; so do ordered
 * scans with a sphere (fgplan.c adds one for "emb <-> q < r"), which stop
 * past the radius.  Scans without an ORDER BY or a sphere condition are
 * never chosen.
 */
#include "facegraph/fg.h"

#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"
#include "utils/float.h"
#include "utils/selfuncs.h"

/* An element read, in random page reads (above). */
#define FG_COST_ELEMENT_READ	0.05
/* The first row's element reads: START + PER_SLOT * ef_search * 2m (above). */
#define FG_COST_START_READS		700.0
#define FG_COST_READS_PER_SLOT	0.8

void
fgcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
			   Cost *indexStartupCost, Cost *indexTotalCost,
			   Selectivity *indexSelectivity, double *indexCorrelation,
			   double *indexPages)
{
	GenericCosts costs;
	double		ntuples = Max(path->indexinfo->tuples, 1.0);
	double		per_element = FG_COST_ELEMENT_READ * random_page_cost;
	double		first;
	double		streamed;
	Relation	index;
	int			m,
				efc;

	if (path->indexorderbys == NIL && path->indexclauses == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}
	index = index_open(path->indexinfo->indexoid, NoLock);
	fg_get_options(index, &m, &efc);
	index_close(index, NoLock);

	MemSet(&costs, 0, sizeof(costs));
	genericcostestimate(root, path, loop_count, &costs);

	first = Min(ntuples, FG_COST_START_READS + FG_COST_READS_PER_SLOT * fg_ef_search * 2 * m);
	if (path->indexclauses != NIL)
	{
		/* A sphere: the scan stops once it has passed the radius. */
		streamed = costs.indexSelectivity * ntuples;
		if (path->indexorderbys == NIL)
			first = Min(ntuples, 2 * first);
	}
	else
		streamed = ntuples;
	*indexStartupCost = first * per_element;
	*indexTotalCost = *indexStartupCost + streamed * 2 * m * per_element;

	/*
	 * An ORDER BY without a LIMIT is read by a cursor or a remote query
	 * (postgres_fdw fetches in batches) that stops after the first rows,
	 * but the planner would assume a tenth of all rows
	 * (cursor_tuple_fraction) and sort the whole table instead.  There,
	 * charge the search alone.
	 */
	if (path->indexorderbys != NIL && root->limit_tuples < 0)
		*indexTotalCost = *indexStartupCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
