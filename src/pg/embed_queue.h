/*
 * Background embedding: face_embed_queue_trigger (trigger.c) queues rows in
 * the extension's table face_embed_queue; the workers (embed_worker.c) fill
 * in their embeddings.  What both sides share.
 */
#ifndef EMBED_QUEUE_H
#define EMBED_QUEUE_H

#include "commands/trigger.h"
#include "utils/rel.h"

#define QUEUE_TABLE "face_embed_queue"
#define QUEUE_TRIGGER "face_embed_queue_trigger"
#define QUEUE_DEFAULT_KEY "id"

/*
 * A queue trigger's columns, from its arguments (image_column,
 * embedding_column [, key_column]); ERROR when one is missing or of the
 * wrong type.  The key's type must print and read back the same whatever the
 * session's settings (integers, text, uuid), since the worker reads it back.
 */
typedef struct queue_columns
{
	int			image;
	int			embedding;
	int			key;
	Oid			key_type;		/* the base type of a domain */
	int32		key_typmod;
} queue_columns;

extern void openface_queue_columns(Relation rel, const Trigger *trigger, Oid embedding_type,
								   queue_columns *cols);

/* Wake this database's workers when the current transaction commits. */
extern void openface_embed_wake_at_commit(void);

/* _PG_init: with openface in shared_preload_libraries, the settings and the workers */
extern void openface_embed_workers_init(void);

#endif
