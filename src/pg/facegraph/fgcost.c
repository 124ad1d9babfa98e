/*
 * facegraph: the planner's cost of an index scan.
 *
 * Reading one graph element is a buffer lookup and a page access
 * that misses the CPU cache: 0.3-1.5 us (100k face-like rows: 1.5 us over
 * distinct queries, 0.3 us when one query repeats), against 0.26 us for a
 * cached row of a sequential scan, which the planner charges 0.084, and
 * 0.56 us for one that also computes a distance (with the distance
 * functions' COST 10).  So an element read is charged 0.075 random page
 * reads (0.3 at the defaults).  The first row costs a
 * search of width ef_search (about ef_search * 2m element reads, measured
 * 1.1x that); every further row streamed costs about one more expansion,
 * 2m reads.  A filter that rejects most rows makes the executor pull many
 * more rows than LIMIT asks for, and the planner scales the streaming part
 * by that: with a very selective filter it picks the exact scan, which is
 * then faster too.  Radius scans search twice as wide and stream the rows
 * the sphere's selectivity promises; so do ordered scans with a sphere
 * (fgplan.c adds one for "emb <-> q < r"), which stop past the radius.
 * Scans without an ORDER BY or a sphere condition are never chosen.
 */
#include "facegraph/fg.h"

#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"
#include "utils/float.h"
#include "utils/selfuncs.h"

void
fgcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
			   Cost *indexStartupCost, Cost *indexTotalCost,
			   Selectivity *indexSelectivity, double *indexCorrelation,
			   double *indexPages)
{
	GenericCosts costs;
	double		ntuples = Max(path->indexinfo->tuples, 1.0);
	double		per_element = 0.075 * random_page_cost;
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

	first = Min(ntuples, 1.1 * fg_ef_search * 2 * m);
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
