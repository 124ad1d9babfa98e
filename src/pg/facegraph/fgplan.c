/*
 * facegraph: the most natural query for "this person's faces, nearest
 * first" --
 *
 *     WHERE emb <-> q < r ORDER BY emb <-> q LIMIT n
 *
 * has no index condition: the planner knows nothing of "<" over a distance,
 * so an ordered index scan streams rows until n of them pass the filter --
 * the whole index when fewer than n lie within r.  The planner cannot
 * recognise the clause on its own (its support-function path only sees
 * clauses whose operand is the indexed column itself), so this hook looks
 * at the paths of each table with a facegraph index and, beside every
 * ordered facegraph scan on "emb <-> q", adds the same scan with the index
 * condition emb <@ face_sphere(q, r): the scan then stops once it has
 * passed the radius.  The original clause stays as the filter, so the rows
 * returned are exactly those the query asks for among those the index
 * finds (radius scans find over 0.99 of them, as with an explicit <@).
 *
 * Only "<" and "<=" with a constant radius are taken (a radius that is
 * NULL, negative, NaN or too large for face_sphere is left to the filter);
 * q may be any expression without columns of the query and volatile
 * functions (a constant or a parameter of a prepared statement).
 */
#include "facegraph/fg.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parse_func.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/catcache.h"
#include "utils/syscache.h"

/* The opclass strategies (extension/parts/30_index.sql). */
#define FG_STRATEGY_DISTANCE	1
#define FG_STRATEGY_SPHERE		2

static set_rel_pathlist_hook_type prev_rel_pathlist_hook = NULL;

/* A radius clause "dist(index column, q) < r" found among a table's quals. */
typedef struct FgRadius
{
	RestrictInfo *rinfo;
	OpExpr	   *dist;			/* the distance, column on the left */
	Const	   *radius;
} FgRadius;

/* The sphere operator of the index's opfamily, and its right type. */
static Oid
sphere_operator(Oid opfamily, Oid lefttype, Oid *sphere_type)
{
	CatCList   *members = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamily));
	Oid			op = InvalidOid;

	for (int i = 0; i < members->n_members; i++)
	{
		Form_pg_amop amop = (Form_pg_amop) GETSTRUCT(&members->members[i]->tuple);

		if (amop->amopstrategy == FG_STRATEGY_SPHERE && amop->amoplefttype == lefttype)
		{
			op = amop->amopopr;
			*sphere_type = amop->amoprighttype;
		}
	}
	ReleaseSysCacheList(members);
	return op;
}

/*
 * face_sphere(face_embedding, float8), looked up beside the sphere
 * operator's function (both belong to the extension, so the search path
 * plays no part).
 */
static Oid
sphere_constructor(Oid sphere_op, Oid embedding_type)
{
	Oid			nsp = get_func_namespace(get_opcode(sphere_op));
	Oid			args[2] = {embedding_type, FLOAT8OID};

	return LookupFuncName(list_make2(makeString(get_namespace_name(nsp)), makeString("face_sphere")),
						  2, args, true);
}

/* Whether e is a usable radius: a float8 face_sphere accepts. */
static bool
usable_radius(Node *e)
{
	Const	   *c = (Const *) e;
	double		r;

	if (!IsA(e, Const) || c->consttype != FLOAT8OID || c->constisnull)
		return false;
	r = DatumGetFloat8(c->constvalue);
	return !isnan(r) && r >= 0.0 && r <= FLT_MAX;
}

/* Whether e is the same for every row of the query: no columns, not volatile. */
static bool
row_independent(PlannerInfo *root, Node *e)
{
	return bms_is_empty(pull_varnos(root, e)) && !contain_volatile_functions(e);
}

/*
 * Recognise "dist(col, q) < r" (or <=, or the mirrored "r > dist"), where
 * dist is the index's distance operator.  Fills *out with the distance
 * written column first.
 */
static bool
match_radius(PlannerInfo *root, RestrictInfo *rinfo, IndexOptInfo *index, Oid dist_op, FgRadius *out)
{
	OpExpr	   *op = (OpExpr *) rinfo->clause;
	RegProcedure fn;
	Node	   *dist,
			   *radius;
	OpExpr	   *d;

	if (!IsA(op, OpExpr) || list_length(op->args) != 2)
		return false;
	fn = get_opcode(op->opno);
	if (fn == F_FLOAT8LT || fn == F_FLOAT8LE)
	{
		dist = linitial(op->args);
		radius = lsecond(op->args);
	}
	else if (fn == F_FLOAT8GT || fn == F_FLOAT8GE)
	{
		dist = lsecond(op->args);
		radius = linitial(op->args);
	}
	else
		return false;
	if (!IsA(dist, OpExpr) || ((OpExpr *) dist)->opno != dist_op || !usable_radius(radius))
		return false;
	d = (OpExpr *) dist;
	if (match_index_to_operand(linitial(d->args), 0, index) && row_independent(root, lsecond(d->args)))
		out->dist = d;
	else if (match_index_to_operand(lsecond(d->args), 0, index) && row_independent(root, linitial(d->args)))
	{
		/* The distances are symmetric: q <-> emb is emb <-> q. */
		out->dist = (OpExpr *) copyObject(d);
		out->dist->args = list_make2(lsecond(d->args), linitial(d->args));
	}
	else
		return false;
	out->rinfo = rinfo;
	out->radius = (Const *) radius;
	return true;
}

/* Whether an ordered path orders by the radius clause's distance. */
static bool
orders_by(IndexPath *path, FgRadius *rad)
{
	OpExpr	   *o = (OpExpr *) linitial(path->indexorderbys);

	return list_length(path->indexorderbys) == 1 && IsA(o, OpExpr) &&
		o->opno == rad->dist->opno && list_length(o->args) == 2 &&
		equal(lsecond(o->args), lsecond(rad->dist->args));
}

static void
add_radius_paths(PlannerInfo *root, RelOptInfo *rel, IndexOptInfo *index)
{
	Oid			type = index->opcintype[0];
	Oid			dist_op = get_opfamily_member(index->opfamily[0], type, type, FG_STRATEGY_DISTANCE);
	Oid			sphere_type = InvalidOid;
	Oid			sphere_op = sphere_operator(index->opfamily[0], type, &sphere_type);
	Oid			make;
	List	   *ordered = NIL;
	ListCell   *lc;

	if (!OidIsValid(dist_op) || !OidIsValid(sphere_op))
		return;
	foreach(lc, rel->pathlist)
	{
		IndexPath  *p = (IndexPath *) lfirst(lc);

		if (IsA(p, IndexPath) && p->indexinfo == index && p->indexorderbys != NIL &&
			p->path.param_info == NULL)
			ordered = lappend(ordered, p);
	}
	if (ordered == NIL || !OidIsValid(make = sphere_constructor(sphere_op, type)))
		return;
	foreach(lc, rel->baserestrictinfo)
	{
		FgRadius	rad;
		ListCell   *pc;

		if (!match_radius(root, lfirst(lc), index, dist_op, &rad))
			continue;
		foreach(pc, ordered)
		{
			IndexPath  *p = lfirst(pc);
			IndexClause *ic;
			Expr	   *sphere;

			if (!orders_by(p, &rad))
				continue;
			sphere = (Expr *) makeFuncExpr(make, sphere_type,
										   list_make2(lsecond(rad.dist->args), rad.radius),
										   InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
			ic = makeNode(IndexClause);
			ic->rinfo = rad.rinfo;
			ic->indexquals = list_make1(make_simple_restrictinfo(root,
																 make_opclause(sphere_op, BOOLOID, false,
																			   linitial(rad.dist->args), sphere,
																			   InvalidOid, InvalidOid)));
			/* The index finds candidates; the original clause decides. */
			ic->lossy = true;
			ic->indexcol = 0;
			ic->indexcols = NIL;
			add_path(rel, (Path *) create_index_path(root, index,
													 lappend(list_copy(p->indexclauses), ic),
													 p->indexorderbys, p->indexorderbycols,
													 p->path.pathkeys, ForwardScanDirection, false,
													 NULL, 1.0, false));
		}
	}
}

static void
fg_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	ListCell   *lc;

	if (prev_rel_pathlist_hook)
		prev_rel_pathlist_hook(root, rel, rti, rte);
	if (rte->rtekind != RTE_RELATION || rel->baserestrictinfo == NIL)
		return;
	foreach(lc, rel->indexlist)
	{
		IndexOptInfo *index = lfirst(lc);

		if (index->amcostestimate == fgcostestimate && index->ncolumns == 1)
			add_radius_paths(root, rel, index);
	}
}

void
fg_plan_init(void)
{
	prev_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = fg_rel_pathlist;
}
