/*
 * openface load: photos into a table over libpq.  The client reads the
 * files and streams their bytes with COPY ... FROM STDIN in binary format
 * (no escaping, no server-side file access); each batch is one COPY, so one
 * transaction, and a failure rolls back only its batch.  The table is created
 * as (id, path, photo) if it does not exist.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cli.h"
#include "timing.h"

/* COPY's binary header: signature, flags (none), header extension length (0). */
static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* The largest value a bytea holds (MaxAllocSize, 1 GB - 1). */
#define BYTEA_MAX ((size_t) 0x3fffffff)

/* The progress bar: its width in characters, and redrawn at most this often. */
#define BAR_WIDTH 30
#define BAR_REDRAW_MS 100.0

typedef struct progress
{
	int			shown;			/* stderr is a terminal */
	int			total;
	int			done;
	double		bytes;
	double		start_ms;
	double		drawn_ms;
} progress;

static void
progress_draw(progress *p, int last)
{
	double		now = of_wall_ms(),
				secs = (now - p->start_ms) / 1000;
	int			fill = p->total ? (int) ((long) BAR_WIDTH * p->done / p->total) : BAR_WIDTH;

	if (!p->shown || (!last && now - p->drawn_ms < BAR_REDRAW_MS))
		return;
	p->drawn_ms = now;
	fprintf(stderr, "\r[%.*s%*s] %d/%d photos, %.1f MB, %.1f MB/s ", fill,
			"##############################", BAR_WIDTH - fill, "", p->done, p->total,
			p->bytes / 1e6, secs > 0 ? p->bytes / 1e6 / secs : 0.0);
	if (last)
		fputc('\n', stderr);
}

static void
put_int32(char *p, uint32_t v)
{
	p[0] = (char) (v >> 24);
	p[1] = (char) (v >> 16);
	p[2] = (char) (v >> 8);
	p[3] = (char) v;
}

/* The server's message without its trailing newline, for one-line reports. */
static const char *
server_message(PGconn *conn, PGresult *res)
{
	static char buf[1024];
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	size_t		n;

	snprintf(buf, sizeof(buf), "%s", msg && *msg ? msg : PQerrorMessage(conn));
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

/*
 * The table's name quoted for SQL, and whether it exists: the name is read as
 * SQL reads it (parse_ident), so "Photos" keeps its case and public.photos is
 * schema-qualified.  NULL after printing why.
 */
static char *
resolve_table(PGconn *conn, const char *table, int *exists)
{
	const char *params[1] = {table};
	PGresult   *res = PQexecParams(conn,
								   "SELECT (SELECT string_agg(quote_ident(p), '.' ORDER BY i)"
								   "        FROM unnest(parse_ident($1)) WITH ORDINALITY AS n(p, i)),"
								   "       to_regclass($1) IS NOT NULL",
								   1, NULL, params, NULL, NULL, 0);
	char	   *quoted = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "openface: load: table %s: %s\n", table, server_message(conn, res));
	else if ((quoted = strdup(PQgetvalue(res, 0, 0))) == NULL)
		fprintf(stderr, "openface: out of memory\n");
	else
		*exists = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	return quoted;
}

static int
exec_ok(PGconn *conn, const char *sql, const char *what)
{
	PGresult   *res = PQexec(conn, sql);
	int			ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "openface: load: %s: %s\n", what, server_message(conn, res));
	PQclear(res);
	return ok;
}

/*
 * One batch: files [from, to) in one COPY.  An unreadable file is reported
 * and left out; a server error rolls the whole batch back.  Returns the
 * photos committed, or -1 after a server error.
 */
static int
copy_batch(PGconn *conn, const char *copy_sql, const load_opts *o, const file_list *files,
		   int from, int to, progress *pr, int *rc)
{
	PGresult   *res = PQexec(conn, copy_sql);
	int			sent = 0,
				ok;
	char		trailer[2] = {'\xff', '\xff'};	/* a field count of -1 ends the data */

	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		fprintf(stderr, "%sopenface: load: %s\n", pr->shown ? "\n" : "", server_message(conn, res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	ok = PQputCopyData(conn, copy_header, sizeof(copy_header)) == 1;
	for (int i = from; i < to && ok; i++)
	{
		size_t		len = 0,
					plen = strlen(files->path[i]);
		unsigned char *data = slurp(files->path[i], &len);
		char		head[2 + 4];
		int			npath = *o->path_column ? 1 : 0;

		if (data == NULL || len > BYTEA_MAX)
		{
			fprintf(stderr, "%sopenface: cannot load %s: %s\n", pr->shown ? "\n" : "",
					files->path[i], data ? "larger than a bytea holds (1 GB)" : strerror(errno));
			free(data);
			*rc = EXIT_ERROR;
			pr->done++;
			continue;
		}
		head[0] = 0;
		head[1] = (char) (1 + npath);	/* fields in this row */
		ok = PQputCopyData(conn, head, 2) == 1;
		if (ok && npath)
		{
			put_int32(head, (uint32_t) plen);
			ok = PQputCopyData(conn, head, 4) == 1 &&
				PQputCopyData(conn, files->path[i], (int) plen) == 1;
		}
		put_int32(head, (uint32_t) len);
		ok = ok && PQputCopyData(conn, head, 4) == 1 &&
			(len == 0 || PQputCopyData(conn, (const char *) data, (int) len) == 1);
		free(data);
		sent++;
		pr->done++;
		pr->bytes += (double) len;
		progress_draw(pr, 0);
	}
	ok = ok && PQputCopyData(conn, trailer, 2) == 1;
	if (PQputCopyEnd(conn, ok ? NULL : "openface: load: sending failed") != 1)
		ok = 0;
	/* the COPY's result, then NULL */
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			if (ok)
				fprintf(stderr, "%sopenface: load: %s\n", pr->shown ? "\n" : "",
						server_message(conn, res));
			ok = 0;
		}
		PQclear(res);
	}
	if (!ok)
	{
		fprintf(stderr, "openface: load: the batch of %s .. %s was rolled back\n",
				files->path[from], files->path[to - 1]);
		return -1;
	}
	return sent;
}

int
cmd_load(const load_opts *o, const file_list *files)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {o->conninfo, "openface", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, values, 1);
	char	   *table = NULL,
			   *pathcol = NULL,
			   *photocol = NULL,
			   *sql = NULL;
	int			exists = 0,
				loaded = 0,
				batches = 0,
				rc = EXIT_ALL_GOOD;
	progress	pr = {0};

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "openface: load: cannot connect: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return EXIT_ERROR;
	}
	if ((table = resolve_table(conn, o->table, &exists)) == NULL)
		goto fail;
	photocol = PQescapeIdentifier(conn, o->photo_column, strlen(o->photo_column));
	pathcol = *o->path_column ? PQescapeIdentifier(conn, o->path_column, strlen(o->path_column)) : NULL;
	sql = malloc(strlen(table) + (pathcol ? strlen(pathcol) : 0) + strlen(photocol) + 200);
	if (photocol == NULL || (*o->path_column && pathcol == NULL))
	{
		fprintf(stderr, "openface: load: bad column name: %s", PQerrorMessage(conn));
		goto fail;
	}
	if (sql == NULL)
	{
		fprintf(stderr, "openface: out of memory\n");
		goto fail;
	}
	if (!exists)
	{
		sprintf(sql, "CREATE TABLE %s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
				"%s%s%s bytea)", table, pathcol ? pathcol : "", pathcol ? " text, " : "", photocol);
		if (!exec_ok(conn, sql, "cannot create the table"))
			goto fail;
		fprintf(stderr, "openface: load: created table %s\n", table);
	}
	sprintf(sql, "COPY %s (%s%s%s) FROM STDIN (FORMAT binary)", table, pathcol ? pathcol : "",
			pathcol ? ", " : "", photocol);
	pr.shown = isatty(STDERR_FILENO);
	pr.total = files->n;
	pr.start_ms = of_wall_ms();
	for (int from = 0; from < files->n; from += o->batch)
	{
		int			to = files->n - from > o->batch ? from + o->batch : files->n;
		int			n = copy_batch(conn, sql, o, files, from, to, &pr, &rc);

		if (n < 0)
		{
			fprintf(stderr, "openface: load: stopped; %d photo%s had been loaded into %s\n",
					loaded, loaded == 1 ? "" : "s", table);
			goto fail;
		}
		loaded += n;
		batches++;
	}
	progress_draw(&pr, 1);
	fprintf(stderr, "openface: load: %d photo%s (%.1f MB) into %s, %d transaction%s\n", loaded,
			loaded == 1 ? "" : "s", pr.bytes / 1e6, table, batches, batches == 1 ? "" : "s");
	goto done;
fail:
	rc = EXIT_ERROR;
done:
	free(sql);
	PQfreemem(pathcol);
	PQfreemem(photocol);
	free(table);
	PQfinish(conn);
	return rc;
}
