/*
 * Background embedding workers.
 *
 * With openface in shared_preload_libraries, the postmaster starts
 * openface.embed_workers workers for each database in
 * openface.embed_databases (a background worker serves one database for
 * life; one static pool per named database keeps the number of processes
 * known at start, within max_worker_processes).  Each worker loops:
 *
 *   1. claim the longest queued pending job of face_embed_queue, FOR UPDATE
 *      SKIP LOCKED (workers never wait for each other): mark it running
 *      under this worker's token, count the attempt, commit;
 *   2. in a transaction of its own, and within that in a subtransaction, as
 *      the owner of the job's table: check that the table still has the
 *      job's trigger and that it is still a face_embed_queue_trigger, take
 *      the columns from its arguments, read the row's photo by its key,
 *      embed it, and write the embedding where the key and the photo still
 *      match;
 *   3. record the outcome in that transaction and commit: done, no_face,
 *      failed (with the error and its SQLSTATE: never retried, never in the
 *      way of other jobs), or the job deleted when its row is gone or holds
 *      another photo by now (the change queued a job of its own).
 *
 * A job left running by a worker that is gone (a crash, a FATAL) goes back
 * to pending when a worker next finds the queue idle, or at its start;
 * after EMBED_MAX_ATTEMPTS claims it fails instead, so a photo that kills
 * its worker is not retried forever.  Tokens are pid and start time, so a
 * reused pid is no live worker.  A lost commit (synchronous_commit is off
 * in the workers) only sends a job round once more.
 *
 * An idle worker sleeps on its latch for EMBED_NAPTIME_MS; a transaction
 * that queued photos sets the latches of its database's workers as it
 * commits, so a photo is taken up at once.
 *
 * Rights: the worker session is the bootstrap superuser, but it runs no
 * one else's code as that role: the queue's statements run as the extension
 * owner, and all of a job as its table's owner with
 * SECURITY_RESTRICTED_OPERATION, every statement through
 * openface_spi_as_owner() (security.c: search_path = pg_catalog, pg_temp,
 * settings changed inside undone), as PostgreSQL's maintenance commands run
 * a table's code as its owner.  The job carries no column names: a forged
 * or stale job can only make the worker do what the table's own trigger
 * asks, with its owner's rights, for at most openface.embed_job_timeout.
 */
#include "postgres.h"

#include <limits.h>

#include "access/genam.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/varlena.h"

#include "embed_queue.h"
#include "embedding.h"
#include "openface.h"

PGDLLEXPORT void face_embed_worker_main(Datum main_arg);

#define EMBED_WORKERS_MAX 64
/* how long an idle worker sleeps before it looks at the queue again */
#define EMBED_NAPTIME_MS 1000
/* after a crash of the worker, the postmaster starts it again this much later */
#define EMBED_RESTART_SECONDS 10
/* claims of a job whose workers died before recording an outcome, then it fails */
#define EMBED_MAX_ATTEMPTS 3
/*
 * The longest one job may take: a photo at the largest size takes seconds;
 * the rest is the table's triggers, which must not hold a worker forever.
 */
#define EMBED_JOB_TIMEOUT_DEFAULT_MS (60 * 1000)

static int	embed_workers = 0;
static char *embed_databases = NULL;
static int	embed_job_timeout_ms = EMBED_JOB_TIMEOUT_DEFAULT_MS;

/* Where each worker sleeps: the latch to set when its database queues photos. */
typedef struct embed_worker_slot
{
	Oid			dboid;
	Latch	   *latch;
	int			pid;
	pg_time_t	started;
} embed_worker_slot;

typedef struct embed_shared
{
	slock_t		mutex;
	embed_worker_slot slots[FLEXIBLE_ARRAY_MEMBER];
} embed_shared;

static int	nslots;				/* databases x embed_workers */
static embed_shared *shared;	/* NULL unless preloaded with workers */
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;
static bool wake_pending;		/* this transaction queued photos */

/* The job a worker claimed (in the worker's job context). */
typedef struct embed_job
{
	char	   *id;				/* uuid as text */
	Oid			relid;
	char	   *trigger_name;
	char	   *key;
} embed_job;

typedef enum
{
	JOB_DONE,
	JOB_NO_FACE,
	JOB_FAILED,
	JOB_DROP					/* row gone or photo replaced: nothing left to do */
} job_outcome;

static const char *const outcome_state[] = {"done", "no_face", "failed"};

static bool
check_embed_databases(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;

	if (!SplitIdentifierString(copy, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		return false;
	}
	foreach(lc, names)
	{
		if (strlen(lfirst(lc)) >= NAMEDATALEN)
		{
			GUC_check_errdetail("Database name \"%s\" is too long.", (char *) lfirst(lc));
			return false;
		}
	}
	return true;
}

static Size
embed_shared_size(void)
{
	return add_size(offsetof(embed_shared, slots), mul_size(nslots, sizeof(embed_worker_slot)));
}

static void
embed_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(embed_shared_size());
}

static void
embed_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("openface embed workers", embed_shared_size(), &found);
	if (!found)
	{
		memset(shared, 0, embed_shared_size());
		SpinLockInit(&shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

static void
wake_at_commit(XactEvent event, void *arg)
{
	Latch	   *latches[EMBED_WORKERS_MAX];
	int			n = 0;

	if (event == XACT_EVENT_COMMIT && wake_pending)
	{
		SpinLockAcquire(&shared->mutex);
		for (int i = 0; i < nslots && n < EMBED_WORKERS_MAX; i++)
			if (shared->slots[i].dboid == MyDatabaseId && shared->slots[i].latch != NULL)
				latches[n++] = shared->slots[i].latch;
		SpinLockRelease(&shared->mutex);
		for (int i = 0; i < n; i++)
			SetLatch(latches[i]);
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE)
		wake_pending = false;
}

void
openface_embed_wake_at_commit(void)
{
	static bool registered = false;

	if (shared == NULL)
		return;
	if (!registered)
	{
		RegisterXactCallback(wake_at_commit, NULL);
		registered = true;
	}
	wake_pending = true;
}

static void
leave_slot(int code, Datum arg)
{
	embed_worker_slot *slot = &shared->slots[DatumGetInt32(arg)];

	SpinLockAcquire(&shared->mutex);
	slot->dboid = InvalidOid;
	slot->latch = NULL;
	slot->pid = 0;
	SpinLockRelease(&shared->mutex);
}

void
openface_embed_workers_init(void)
{
	char	   *copy;
	List	   *names;
	ListCell   *lc;

	/* PostgreSQL creates no PGC_POSTMASTER setting after startup */
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("openface.embed_workers",
							"Background workers per database that embed queued photos.",
							"Rows queued by face_embed_queue_trigger are embedded by these workers; "
							"0 starts none.  Needs openface in shared_preload_libraries.",
							&embed_workers, 0, 0, EMBED_WORKERS_MAX, PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("openface.embed_databases",
							   "Databases whose photo queue the background workers serve.",
							   "A comma-separated list; each gets openface.embed_workers workers.",
							   &embed_databases, "postgres", PGC_POSTMASTER, GUC_LIST_INPUT,
							   check_embed_databases, NULL, NULL);
	DefineCustomIntVariable("openface.embed_job_timeout",
							"Longest a background worker spends on one queued photo.",
							"The table's triggers included; the job then fails with SQLSTATE 57014.  "
							"0 means no limit.",
							&embed_job_timeout_ms, EMBED_JOB_TIMEOUT_DEFAULT_MS, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	if (embed_workers == 0)
		return;

	copy = pstrdup(embed_databases);
	(void) SplitIdentifierString(copy, ',', &names);
	nslots = list_length(names) * embed_workers;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = embed_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = embed_shmem_startup;
	foreach(lc, names)
	{
		for (int i = 1; i <= embed_workers; i++)
		{
			BackgroundWorker w = {0};

			w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
			/* a standby cannot write the embeddings */
			w.bgw_start_time = BgWorkerStart_RecoveryFinished;
			w.bgw_restart_time = EMBED_RESTART_SECONDS;
			snprintf(w.bgw_library_name, BGW_MAXLEN, "openface");
			snprintf(w.bgw_function_name, BGW_MAXLEN, "face_embed_worker_main");
			snprintf(w.bgw_name, BGW_MAXLEN, "openface embed worker %d for %s", i, (char *) lfirst(lc));
			snprintf(w.bgw_type, BGW_MAXLEN, "openface embed worker");
			strlcpy(w.bgw_extra, lfirst(lc), BGW_EXTRALEN);
			w.bgw_main_arg = Int32GetDatum(foreach_current_index(lc) * embed_workers + i - 1);
			RegisterBackgroundWorker(&w);
		}
	}
}

/* The queue of this database, when openface (0.3 or later) is installed here. */
static bool
find_queue(openface_table *q, Oid *nsp)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("openface"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	*nsp = HeapTupleIsValid(tup) ? ((Form_pg_extension) GETSTRUCT(tup))->extnamespace : InvalidOid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return OidIsValid(*nsp) && openface_find_table(*nsp, QUEUE_TABLE, q);
}

/*
 * The trigger the job was queued by, which must still be a queue trigger:
 * a trigger function takes no arguments, so the name in the extension's
 * schema can only be the extension's own function.
 */
static const Trigger *
job_trigger(Relation rel, const char *name, Oid nsp)
{
	TriggerDesc *td = rel->trigdesc;

	for (int i = 0; td != NULL && i < td->numtriggers; i++)
	{
		const Trigger *t = &td->triggers[i];

		if (strcmp(t->tgname, name) != 0)
			continue;
		if (get_func_namespace(t->tgfoid) != nsp ||
			strcmp(get_func_name(t->tgfoid), QUEUE_TRIGGER) != 0)
			break;
		return t;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("table \"%s\" has no %s trigger \"%s\"",
					RelationGetRelationName(rel), QUEUE_TRIGGER, name),
			 errhint("The trigger that queued the row was dropped or replaced since.")));
}

/*
 * The job's work on its table, run in a subtransaction: any ERROR fails this
 * job only.  Every statement runs as the table's owner.
 */
static job_outcome
embed_row(Relation rel, const embed_job *job, Oid nsp)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			owner = rel->rd_rel->relowner;
	queue_columns cols;
	char	   *table;
	const char *image,
			   *embedding,
			   *keycol;
	Oid			input;
	Oid			ioparam;
	Datum		key;
	Datum		photo;
	bool		isnull;
	FaceEmbedding *e;
	Oid			types[3];
	Datum		values[3];
	int			rc;

	openface_queue_columns(rel, job_trigger(rel, job->trigger_name, nsp),
						   openface_embedding_type(nsp), &cols);
	table = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									   RelationGetRelationName(rel));
	image = quote_identifier(NameStr(TupleDescAttr(desc, cols.image - 1)->attname));
	embedding = quote_identifier(NameStr(TupleDescAttr(desc, cols.embedding - 1)->attname));
	keycol = quote_identifier(NameStr(TupleDescAttr(desc, cols.key - 1)->attname));
	getTypeInputInfo(cols.key_type, &input, &ioparam);
	key = OidInputFunctionCall(input, job->key, ioparam, cols.key_typmod);

	/* not read-only: a fresh snapshot per statement reads the row's latest photo */
	types[0] = cols.key_type;
	rc = openface_spi_as_owner(owner,
							   psprintf("SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.=) $1",
										image, table, keycol),
							   1, types, &key, NULL, false);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the queued row failed: %s", SPI_result_code_string(rc));
	if (SPI_processed > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("key %s matches " UINT64_FORMAT " rows of table \"%s\"",
						job->key, SPI_processed, RelationGetRelationName(rel)),
				 errhint("The key column of %s() must identify one row: make it unique.", QUEUE_TRIGGER)));
	if (SPI_processed == 0)
		return JOB_DROP;
	photo = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return JOB_DROP;

	e = openface_embed_photo(DatumGetByteaPP(photo), NULL);
	if (e == NULL)
		return JOB_NO_FACE;

	/* Where the photo changed since it was read, the change queued a job of its own. */
	types[0] = TupleDescAttr(desc, cols.embedding - 1)->atttypid;
	types[1] = cols.key_type;
	types[2] = BYTEAOID;
	values[0] = PointerGetDatum(e);
	values[1] = key;
	values[2] = photo;
	rc = openface_spi_as_owner(owner,
							   psprintf("UPDATE %s SET %s = $1 WHERE %s OPERATOR(pg_catalog.=) $2 "
										"AND %s OPERATOR(pg_catalog.=) $3",
										table, embedding, keycol, image),
							   3, types, values, NULL, false);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "writing the embedding failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 0 ? JOB_DROP : JOB_DONE;
}

/*
 * openface.embed_job_timeout ran out: cancel the job as statement_timeout
 * cancels a query (ProcessInterrupts reads this timeout's indicator).
 */
static void
job_timeout(void)
{
	QueryCancelPending = true;
	InterruptPending = true;
	SetLatch(MyLatch);
}

/*
 * Cancels (the job's timeout, pg_cancel_backend) are held off outside a
 * job's work: one there would have nothing to cancel but the worker.
 */
static bool job_clock_running = false;

static void
job_clock_start(void)
{
	QueryCancelPending = false;
	RESUME_CANCEL_INTERRUPTS();
	job_clock_running = true;
	if (embed_job_timeout_ms > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, embed_job_timeout_ms);
}

static void
job_clock_stop(void)
{
	if (!job_clock_running)
		return;
	disable_timeout(STATEMENT_TIMEOUT, false);
	HOLD_CANCEL_INTERRUPTS();
	QueryCancelPending = false;
	job_clock_running = false;
}

/* embed_row, with an ERROR turned into JOB_FAILED and *error. */
static job_outcome
embed_row_guarded(const embed_job *job, Oid nsp, ErrorData **error)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile job_outcome outcome = JOB_FAILED;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		/* a dropped table: nothing left to do */
		Relation	rel = try_relation_open(job->relid, AccessShareLock);

		outcome = JOB_DROP;
		if (rel != NULL)
		{
			Oid			save_user;
			int			save_sec;

			/*
			 * All of the job as the table's owner, not only its statements:
			 * no code of the table's reaches the bootstrap superuser.  An
			 * ERROR restores the user with the subtransaction.
			 */
			GetUserIdAndSecContext(&save_user, &save_sec);
			SetUserIdAndSecContext(rel->rd_rel->relowner,
								   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
			job_clock_start();
			outcome = embed_row(rel, job, nsp);
			job_clock_stop();
			SetUserIdAndSecContext(save_user, save_sec);
			relation_close(rel, NoLock);
		}
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		job_clock_stop();
		MemoryContextSwitchTo(cxt);
		*error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		outcome = JOB_FAILED;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return outcome;
}

/* A transaction of the worker's own, connected to SPI. */
static void
begin_step(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_step(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* What marks a worker's running jobs: pid and start time, unique for all time. */
static Datum
worker_token(int pid, pg_time_t started)
{
	return CStringGetTextDatum(psprintf("%d.%lld", pid, (long long) started));
}

/* Claim the longest queued pending job into *job (allocated in cxt); false if none. */
static bool
claim_job(MemoryContext cxt, embed_job *job)
{
	openface_table q;
	Oid			nsp;
	Oid			type = TEXTOID;
	Datum		token;
	bool		found = false;
	int			rc;

	begin_step("claiming a queued photo");
	if (find_queue(&q, &nsp))
	{
		token = worker_token(MyProcPid, MyStartTime);
		rc = openface_spi_as_owner(q.owner,
								   psprintf("UPDATE %s SET state = 'running', worker = $1, "
											"attempts = attempts OPERATOR(pg_catalog.+) 1 "
											"WHERE id OPERATOR(pg_catalog.=) (SELECT id FROM %s "
											"WHERE state OPERATOR(pg_catalog.=) 'pending' "
											"ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
											"RETURNING id, source::pg_catalog.oid, trigger_name, row_key",
											q.qualified, q.qualified),
								   1, &type, &token, NULL, false);
		if (rc != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "claiming a job failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;

			job->id = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 1));
			job->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
			job->trigger_name = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 3));
			job->key = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 4));
			found = true;
		}
	}
	end_step();
	return found;
}

/* Do a claimed job and record its outcome, in one transaction. */
static void
do_job(const embed_job *job)
{
	openface_table q;
	Oid			nsp;
	job_outcome outcome;
	ErrorData  *error = NULL;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', 'n', 'n'};
	int			rc;

	begin_step(psprintf("embedding queued photo %s", job->id));
	/* the extension may have been dropped since the claim */
	if (!find_queue(&q, &nsp))
	{
		end_step();
		return;
	}
	outcome = embed_row_guarded(job, nsp, &error);
	if (error != NULL)
		ereport(LOG,
				(errmsg("openface embed worker: job %s (table OID %u, key %s) failed: %s",
						job->id, job->relid, job->key, error->message)));

	values[0] = CStringGetTextDatum(job->id);
	if (outcome == JOB_DROP)
		rc = openface_spi_as_owner(q.owner,
								   psprintf("DELETE FROM %s WHERE id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid",
											q.qualified),
								   1, types, values, NULL, false);
	else
	{
		values[1] = CStringGetTextDatum(outcome_state[outcome]);
		if (error != NULL)
		{
			values[2] = CStringGetTextDatum(unpack_sql_state(error->sqlerrcode));
			values[3] = CStringGetTextDatum(error->message);
			nulls[2] = nulls[3] = ' ';
		}
		rc = openface_spi_as_owner(q.owner,
								   psprintf("UPDATE %s SET state = $2, worker = NULL, "
											"finished_at = pg_catalog.clock_timestamp(), sqlstate = $3, error = $4 "
											"WHERE id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid",
											q.qualified),
								   4, types, values, nulls, false);
	}
	if (rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "recording job %s failed: %s", job->id, SPI_result_code_string(rc));
	end_step();
}

/*
 * Jobs left running by workers that are gone: pending again, or failed
 * after EMBED_MAX_ATTEMPTS claims.
 */
static void
release_orphans(void)
{
	openface_table q;
	Oid			nsp;
	int			pids[EMBED_WORKERS_MAX];
	pg_time_t	started[EMBED_WORKERS_MAX];
	Datum		tokens[EMBED_WORKERS_MAX];
	int			n = 0;
	Oid			types[4] = {TEXTARRAYOID, INT4OID, TEXTOID, TEXTOID};
	Datum		values[4];
	int			rc;

	begin_step("releasing the jobs of stopped workers");
	if (find_queue(&q, &nsp))
	{
		SpinLockAcquire(&shared->mutex);
		for (int i = 0; i < nslots && n < EMBED_WORKERS_MAX; i++)
			if (shared->slots[i].dboid == MyDatabaseId && shared->slots[i].pid != 0)
			{
				pids[n] = shared->slots[i].pid;
				started[n++] = shared->slots[i].started;
			}
		SpinLockRelease(&shared->mutex);
		for (int i = 0; i < n; i++)
			tokens[i] = worker_token(pids[i], started[i]);
		values[0] = PointerGetDatum(construct_array(tokens, n, TEXTOID, -1, false, TYPALIGN_INT));
		values[1] = Int32GetDatum(EMBED_MAX_ATTEMPTS);
		values[2] = CStringGetTextDatum(unpack_sql_state(ERRCODE_INTERNAL_ERROR));
		values[3] = CStringGetTextDatum(psprintf("embed workers stopped %d times while embedding this photo",
												 EMBED_MAX_ATTEMPTS));
		rc = openface_spi_as_owner(q.owner,
								   psprintf("UPDATE %s SET worker = NULL, "
											"state = CASE WHEN attempts OPERATOR(pg_catalog.>=) $2 THEN 'failed' ELSE 'pending' END, "
											"sqlstate = CASE WHEN attempts OPERATOR(pg_catalog.>=) $2 THEN $3 END, "
											"error = CASE WHEN attempts OPERATOR(pg_catalog.>=) $2 THEN $4 END, "
											"finished_at = CASE WHEN attempts OPERATOR(pg_catalog.>=) $2 "
											"THEN pg_catalog.clock_timestamp() END "
											"WHERE state OPERATOR(pg_catalog.=) 'running' "
											"AND worker OPERATOR(pg_catalog.<>) ALL ($1)",
											q.qualified),
								   4, types, values, NULL, false);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "releasing the jobs of stopped workers failed: %s", SPI_result_code_string(rc));
	}
	end_step();
}

void
face_embed_worker_main(Datum main_arg)
{
	embed_worker_slot *slot = &shared->slots[DatumGetInt32(main_arg)];
	MemoryContext job_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	/* pg_cancel_backend() fails the current job, as the job's timeout does */
	pqsignal(SIGINT, StatementCancelHandler);
	RegisterTimeout(STATEMENT_TIMEOUT, job_timeout);
	HOLD_CANCEL_INTERRUPTS();
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra, NULL, 0);

	/* a commit lost in a crash only sends its job round once more (see above) */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	SpinLockAcquire(&shared->mutex);
	slot->dboid = MyDatabaseId;
	slot->latch = MyLatch;
	slot->pid = MyProcPid;
	slot->started = MyStartTime;
	SpinLockRelease(&shared->mutex);
	before_shmem_exit(leave_slot, main_arg);

	job_cxt = AllocSetContextCreate(TopMemoryContext, "openface embed job", ALLOCSET_SMALL_SIZES);
	release_orphans();
	for (;;)
	{
		embed_job	job;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(job_cxt);
		if (claim_job(job_cxt, &job))
			do_job(&job);
		else
		{
			release_orphans();
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 EMBED_NAPTIME_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
}
