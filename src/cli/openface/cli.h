/*
 * The openface command's parts (src/cli/openface.c is main and the
 * pipeline's commands): files.c lists photos, output.c writes rows as TSV,
 * CSV or JSON, load.c copies photos into a table over libpq.  Over core only;
 * no PostgreSQL server header.
 */
#ifndef OF_CLI_H
#define OF_CLI_H

#include <stddef.h>

/* Exit statuses (documented in usage() and the README). */
enum
{
	EXIT_ALL_GOOD = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NO_FACE = 3
};

int			merge_status(int a, int b);

/* ---- files.c */

/* A list of photo paths, each with an optional label (who's known people). */
typedef struct file_list
{
	char	  **path;
	char	  **label;
	int			n,
				cap;
} file_list;

int			list_add(file_list *l, const char *path, const char *label);
void		list_free(file_list *l);
int			expand_args(int nargs, char **args, file_list *out);
int			list_known(const char *dir, file_list *out);
unsigned char *slurp(const char *path, size_t *len);

/* ---- output.c: one row per face (or file), in the chosen format */

typedef enum out_format
{
	FORMAT_TSV,					/* no header (bench's excepted), fields as they are */
	FORMAT_CSV,					/* a header line, RFC 4180 quoting */
	FORMAT_JSON					/* one array of objects keyed by the column names */
} out_format;

typedef struct table_out
{
	out_format	format;
	const char *const *names;
	int			ncols;
	int			col;			/* next column of the current row */
	long		rows;
} table_out;

int			parse_format(const char *s, out_format *f);
void		out_begin(table_out *t, out_format f, int ncols, const char *const *names, int tsv_header);
void		out_text(table_out *t, const char *s);
void		out_int(table_out *t, long v);
void		out_num(table_out *t, const char *fmt, double v);
void		out_array(table_out *t, const double *v, int n, int embedding);
void		out_end_row(table_out *t);
void		out_end(table_out *t);

/* ---- load.c */

typedef struct load_opts
{
	const char *conninfo;		/* -d; NULL: the PG* environment */
	const char *table;			/* as in SQL: maybe schema-qualified, unquoted folds to lower case */
	const char *path_column;	/* "" for none */
	const char *photo_column;
	int			batch;			/* photos per COPY, each its own transaction */
} load_opts;

int			cmd_load(const load_opts *o, const file_list *files);

#endif
