/*
 * Which networks the model file holds, and how each is converted from
 * face-api's TF.js files and checked when a file is opened
 * (of_models_convert, of_models_open*, declared in nets.h).
 */
#include "nets/models.h"

typedef struct net_entry
{
	const char *tfjs_name;		/* the TF.js model in face-api's model/ folder */
	of_status	(*pack) (const of_tfjs_model *, of_mf_writer *, of_error *);
	of_status	(*check) (const of_models *, of_error *);
} net_entry;

static const net_entry nets[] = {
	{"tiny_face_detector_model", of_detector_pack, of_detector_check},
	{"face_landmark_68_model", of_landmarks_pack, of_landmarks_check},
	{"face_recognition_model", of_recognizer_pack, of_recognizer_check},
};

#define NNETS ((int) (sizeof(nets) / sizeof(nets[0])))

of_status
of_models_convert(const char *tfjs_dir, const char *out_path, of_error *err)
{
	of_mf_writer *w;
	of_status	st;

	if (!tfjs_dir || !out_path)
		return of_fail(err, OF_EINVAL, "missing path");
	if ((st = of_mf_writer_new(&w, err)) != OF_OK)
		return st;
	for (int i = 0; i < NNETS && st == OF_OK; i++)
	{
		of_tfjs_model *src;

		if ((st = of_tfjs_load(tfjs_dir, nets[i].tfjs_name, &src, err)) != OF_OK)
			break;
		st = nets[i].pack(src, w, err);
		of_tfjs_free(src);
	}
	if (st == OF_OK)
		st = of_mf_write(w, out_path, err);
	of_mf_writer_free(w);
	return st;
}

/* Every network must find all its tensors, or the file is refused. */
static of_status
check_nets(of_models **m, of_status st, of_error *err)
{
	for (int i = 0; i < NNETS && st == OF_OK; i++)
		st = nets[i].check(*m, err);
	if (st != OF_OK && *m)
	{
		of_models_close(*m);
		*m = NULL;
	}
	return st;
}

of_status
of_models_open(const char *path, of_models **out, of_error *err)
{
	return check_nets(out, of_mf_open(path, out, err), err);
}

of_status
of_models_open_memory(const void *buf, size_t len, of_models **out, of_error *err)
{
	return check_nets(out, of_mf_open_memory(buf, len, out, err), err);
}
