/*
 * openface: module entry point, openface.* settings, the per-backend model
 * cache and the mapping of core errors onto SQLSTATEs.
 */
#include "postgres.h"

#include <limits.h>
#include <sys/stat.h>

#include <cblas.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "embed_queue.h"
#include "facegraph/fg.h"
#include "jitter.h"
#include "openface.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* OpenBLAS 0.3 exports this; cblas.h does not always declare it. */
extern void openblas_set_num_threads(int num_threads);

typedef enum
{
	MODE_DEFAULT,
	MODE_FACEAPI
} pipeline_mode;

static const struct config_enum_entry mode_options[] = {
	{"default", MODE_DEFAULT, false},
	{"faceapi", MODE_FACEAPI, false},
	{NULL, 0, false}
};

static char *model_path;
static int	mode = MODE_DEFAULT;
static int	detector_input_size = OF_DETECTOR_DEFAULT_INPUT;
static double min_score = 0.5;
static bool small_faces = true;
static int	blas_threads = 1;
/*
 * Decoded pixels cost 3 bytes each, twice while a photo is turned upright:
 * 300 MB at the default ceiling.  Users may lower their limit, only a
 * superuser may raise the ceiling.
 */
#define DEFAULT_MAX_IMAGE_PIXELS 50000000
static int	max_image_pixels = DEFAULT_MAX_IMAGE_PIXELS;
static int	max_image_pixels_ceiling = DEFAULT_MAX_IMAGE_PIXELS;

/*
 * What one call may hold for the rows it works on, outside work_mem's
 * reach (SVM training, clustering a partition): superuser-only, so no caller
 * can make a backend take more.  1 GB trains on ~400k faces, clusters 2M.
 */
#define DEFAULT_MAX_CALL_MEMORY_KB (1024 * 1024)
static int	max_call_memory_kb = DEFAULT_MAX_CALL_MEMORY_KB;
static bool exif_orientation = true;

/* Extra views of each face chip averaged into its descriptor (core's jitter.h). */
static int	jitter = OF_PIPELINE_JITTER;

static of_models *models;
static char *models_path;		/* path models was opened from */
static struct stat models_stat; /* the file it was then */

static bool
check_input_size(int *newval, void **extra, GucSource source)
{
	if (*newval % OF_DETECTOR_CELL != 0)
	{
		GUC_check_errdetail("openface.detector_input_size must be a multiple of %d.", OF_DETECTOR_CELL);
		return false;
	}
	return true;
}

static void
assign_threads(int newval, void *extra)
{
	openblas_set_num_threads(newval);
}

/* Core polls this between layers; the caller then raises the interrupt. */
static int
interrupt_pending(void)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

void
_PG_init(void)
{
	DefineCustomStringVariable("openface.model_path",
							   "Converted model file used by face_embed and friends.",
							   "Empty means SHAREDIR/openface/openface.ofm, installed by make install.",
							   &model_path, "", PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("openface.mode",
							 "Pipeline: \"default\" (measured best) or \"faceapi\" (reproduces face-api 1.7.15).",
							 NULL, &mode, MODE_DEFAULT, mode_options, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("openface.detector_input_size",
							"Input size of the face detector (a multiple of 32).",
							"Smaller finds large faces faster; larger finds small faces.",
							&detector_input_size, OF_DETECTOR_DEFAULT_INPUT, OF_DETECTOR_CELL,
							OF_DETECTOR_MAX_INPUT, PGC_USERSET, 0,
							check_input_size, NULL, NULL);
	DefineCustomRealVariable("openface.min_score",
							 "Detections with a score at or below this are dropped.",
							 NULL, &min_score, 0.5, 0.0, 1.0, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("openface.small_faces",
							 "Look again, at detector input 640, where the main pass nearly found a face (faces under ~40 px).",
							 "Tiles around the main pass's near misses: 0-35% of a whole-image pass at 640 on the test photos.",
							 &small_faces, true, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("openface.max_image_pixels",
							"Largest image (width x height) that will be decoded.",
							"Checked from the image header, before any pixel memory is allocated.",
							&max_image_pixels, DEFAULT_MAX_IMAGE_PIXELS, 1, INT_MAX, PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("openface.max_image_pixels_ceiling",
							"Largest image (width x height) any user may have decoded.",
							"openface.max_image_pixels above it counts as this; a decoded pixel "
							"takes 3 bytes, twice while a photo is turned upright.",
							&max_image_pixels_ceiling, DEFAULT_MAX_IMAGE_PIXELS, 1, INT_MAX,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("openface.max_call_memory",
							"Most memory one openface call may take for the rows it works on.",
							"SVM training and clustering a window partition; images are bounded by "
							"openface.max_image_pixels_ceiling.",
							&max_call_memory_kb, DEFAULT_MAX_CALL_MEMORY_KB, 1024, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomBoolVariable("openface.exif_orientation",
							 "Turn photos upright before detection: JPEG and WebP by their EXIF orientation tag, HEIC by its irot/imir boxes.",
							 "Phones store portraits sideways with a tag; the detector needs upright faces.  "
							 "openface.mode = faceapi never applies it, as face-api does not.",
							 &exif_orientation, true, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("openface.jitter",
							"Extra views of each face averaged into its descriptor (1 = its mirror image, 2 = also the chip in dlib's geometry, 3 = also that chip's mirror, more = slightly turned, scaled and shifted copies).",
							"Each view costs one more run of the recognition network.  The same photo always gets "
							"the same descriptor for a given setting.  openface.mode = faceapi uses none, as face-api does.",
							&jitter, OF_PIPELINE_JITTER, 0, OF_JITTER_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("openface.threads",
							"OpenBLAS threads per backend for the networks.",
							"Parallel query already uses one process per core: keep 1 unless a single query must be faster.",
							&blas_threads, 1, 1, 64, PGC_USERSET, 0, NULL, assign_threads, NULL);
	fg_init();
	openface_embed_workers_init();
	MarkGUCPrefixReserved("openface");
	openblas_set_num_threads(blas_threads);
	of_set_cancel_hook(interrupt_pending);
}

static char *
resolved_model_path(void)
{
	char		share[MAXPGPATH];

	if (model_path && model_path[0])
		return pstrdup(model_path);
	get_share_path(my_exec_path, share);
	return psprintf("%s/openface/openface.ofm", share);
}

const of_models *
openface_models(void)
{
	char	   *path = resolved_model_path();
	of_error	err = {0};
	of_models  *m;

	struct stat sb;
	bool		same_file;

	/*
	 * A model file replaced by rename (as make install does) is picked up at
	 * the next call; the old mapping stays valid until then.
	 */
	same_file = stat(path, &sb) == 0 && sb.st_dev == models_stat.st_dev &&
		sb.st_ino == models_stat.st_ino && sb.st_size == models_stat.st_size &&
		sb.st_mtime == models_stat.st_mtime;
	if (models && same_file && strcmp(path, models_path) == 0)
	{
		pfree(path);
		return models;
	}
	if (of_models_open(path, &m, &err) != OF_OK)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("could not load the openface models from \"%s\": %s", path, err.msg),
				 errhint("Run \"make install\" in the openface source tree, or point openface.model_path at a converted model file.")));
	if (models)
		of_models_close(models);
	models = m;
	if (models_path)
		pfree(models_path);
	models_path = MemoryContextStrdup(TopMemoryContext, path);
	models_stat = sb;
	pfree(path);
	return models;
}

size_t
openface_call_memory(void)
{
	return (size_t) max_call_memory_kb * 1024;
}

/* relid's name, schema-qualified and quoted; ERROR (42P01) if it is gone. */
char *
openface_qualified_relname(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

void
openface_check_call_memory(double bytes, const char *what)
{
	if (bytes > (double) openface_call_memory())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would take %.1f MB, more than openface.max_call_memory (%d MB)",
						what, bytes / (1024.0 * 1024.0), max_call_memory_kb / 1024),
				 errhint("A superuser can raise openface.max_call_memory.")));
}

void
openface_decode_options(of_decode_opts *o)
{
	o->max_pixels = (size_t) Min(max_image_pixels, max_image_pixels_ceiling);
	o->apply_exif_orientation = exif_orientation && mode != MODE_FACEAPI;
}

void
openface_pipeline_options(of_pipeline_options *o)
{
	if (mode == MODE_FACEAPI)
		of_pipeline_options_faceapi(o);
	else
		of_pipeline_options_init(o);
	o->input_size = detector_input_size;
	o->min_score = min_score;
	if (mode != MODE_FACEAPI)
		o->jitter = jitter;
	if (!small_faces)
		o->small.input_size = 0;
}

void
openface_report(const of_error *err, const char *what, const char *hint)
{
	int			code;

	switch (err->code)
	{
		case OF_ECANCELED:
			CHECK_FOR_INTERRUPTS();
			code = ERRCODE_QUERY_CANCELED;
			break;
		case OF_ENOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case OF_EFORMAT:
			code = ERRCODE_FEATURE_NOT_SUPPORTED;
			break;
		case OF_ECORRUPT:
			code = ERRCODE_DATA_EXCEPTION;
			break;
		case OF_ELIMIT:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case OF_EIO:
			code = ERRCODE_UNDEFINED_FILE;
			break;
		default:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s: %s", what, err->msg),
			 hint ? errhint("%s", hint) : 0));
}
