/*
 * TF.js weight loading (src/core/nets/tfjs_weights.c, docs/networks.md §3):
 * dequantised tensors of the real models must hash to the reference run's
 * sha256 of the same tensors (copied below), including raw float32 tensors
 * of the recognition net; a hand-made manifest checks the decoding rules and
 * that truncated or oversized shards are refused.
 * Models are read from $OPENFACE_MODEL_DIR/tfjs (default models/tfjs).
 * sha256 comes from sha256sum(1) on a temporary file (test_files.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nets/tfjs_weights.h"
#include "test_files.h"
#include "unit.h"

static const struct
{
	const char *model;
	const char *tensor;
	int			quantized;
	const char *sha256;
}			expected[] = {
	{"tiny_face_detector_model", "conv0/filters", 1,
	"48298a7ed3e9d10819551db02b399f2cbc1b0d1b0aa8f99bfd86eb9ded34a3d7"},
	{"tiny_face_detector_model", "conv5/pointwise_filter", 1,
	"c834fd56ac3557b63581860d5b4bdbab4d8fdddfe477db7a9f145e5c37f1e3f8"},
	{"tiny_face_detector_model", "conv8/bias", 1,
	"c7cf8faea3425ed1f2da763b4242bcf37b764ec7d5f8971a66a1b246ed4bee95"},
	{"face_landmark_68_model", "dense3/conv3/depthwise_filter", 1,
	"ed1b365dfca969debaea274c674090150aa313af6ba200cdc175f40371b11766"},
	{"face_landmark_68_model", "fc/weights", 1,
	"63d56d3458fc1472c9fd6917da7aabc5fd1a16fd5e232d11686f65ad83ec3efe"},
	{"face_recognition_model", "conv32_down/conv/filters", 1,
	"984d197e81f8a6fd5e19283b6e0c5ac2b70772690279a5deff6e944210fb408a"},
	{"face_recognition_model", "conv32_down/scale/weights", 1,
	"6f31f52affa7f5901a1d4a5b2820a315df62b87ea7880153c4501dc029ab32bf"},
	{"face_recognition_model", "conv64_down/conv1/conv/filters", 0,
	"da8fbadd9962f627fd3d81d69c45a351f86e461a5be0ecb3f4cf17cac3f7f119"},
	{"face_recognition_model", "conv64_3/conv2/conv/filters", 0,
	"d5e6892f085a43fc892ee58bf5511cc1b89dd89225dcd5ddced5ada99e773fdf"},
	{"face_recognition_model", "fc", 1,
	"65166f051752ae660b9136e15e06d7d87b7ff4b009541b761cb67776c8c9ada1"},
};

static void
test_reference_hashes(const char *dir)
{
	const char *loaded_name = NULL;
	of_tfjs_model *m = NULL;
	of_error	err = {0};
	int			raw = 0;

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
	{
		const of_tfjs_tensor *t;
		char		hex[65] = "";

		if (!loaded_name || strcmp(loaded_name, expected[i].model) != 0)
		{
			of_tfjs_free(m);
			m = NULL;
			loaded_name = expected[i].model;
			if (!ok(of_tfjs_load(dir, loaded_name, &m, &err) == OF_OK, "load %s: %s", loaded_name, err.msg))
				continue;
			if (strcmp(loaded_name, "face_recognition_model") == 0)
			{
				ok(m->count == 117, "recognition model has 117 tensors (got %d)", m->count);
				for (int k = 0; k < m->count; k++)
					raw += !m->tensors[k].quantized;
				ok(raw == 8, "recognition model has 8 raw float32 tensors (got %d)", raw);
			}
		}
		if (!m)
			continue;
		t = of_tfjs_find(m, expected[i].tensor);
		if (!ok(t != NULL, "%s: tensor %s present", loaded_name, expected[i].tensor))
			continue;
		ok(t->quantized == expected[i].quantized, "%s: %s stored %s", loaded_name, t->name,
		   expected[i].quantized ? "uint8" : "raw float32");
		ok(sha256_hex(t->data, t->count * sizeof(float), hex) && strcmp(hex, expected[i].sha256) == 0,
		   "%s: %s dequantised sha256 matches the reference (%s)", loaded_name, t->name, hex);
	}
	of_tfjs_free(m);
}

static int
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char		path[512];
	FILE	   *f;
	int			good;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return 0;
	good = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && good;
}

/* Decode rules on a hand-made model: uint8 then an unaligned raw float32. */
static void
test_handmade(void)
{
	char		dir[] = "/tmp/test_weights_dir_XXXXXX";
	const char *manifest =
		"[{\"paths\":[\"t.bin\"],\"weights\":["
		"{\"name\":\"q\",\"shape\":[3],\"dtype\":\"float32\","
		"\"quantization\":{\"dtype\":\"uint8\",\"scale\":0.1,\"min\":-1.5}},"
		"{\"name\":\"r\",\"shape\":[1,1],\"dtype\":\"float32\"}]}]";
	unsigned char bin[3 + 4] = {0, 7, 255};
	float		r = 1.25f;
	of_tfjs_model *m = NULL;
	of_error	err = {0};
	char		path[512];

	memcpy(bin + 3, &r, 4);		/* offset 3: not 4-aligned */
	if (!mkdtemp(dir))
	{
		ok(0, "temporary directory");
		return;
	}
	write_file(dir, "t-weights_manifest.json", manifest, strlen(manifest));
	write_file(dir, "t.bin", bin, sizeof(bin));
	if (ok(of_tfjs_load(dir, "t", &m, &err) == OF_OK && m->count == 2, "hand-made model loads: %s", err.msg))
	{
		const of_tfjs_tensor *q = of_tfjs_find(m, "q"),
				   *rt = of_tfjs_find(m, "r");

		/* float32(double(q)*scale + min), computed by hand in double */
		ok(q && q->data[0] == (float) -1.5 && q->data[1] == (float) (7 * 0.1 - 1.5) &&
		   q->data[2] == (float) (255 * 0.1 - 1.5), "uint8 values dequantised as float32(q*scale+min)");
		ok(rt && rt->count == 1 && rt->data[0] == 1.25f && !rt->quantized,
		   "raw float32 at an unaligned offset read");
	}
	of_tfjs_free(m);

	write_file(dir, "t.bin", bin, sizeof(bin) - 1);
	ok(of_tfjs_load(dir, "t", &m, &err) == OF_ECORRUPT && m == NULL, "truncated shard refused: %s", err.msg);
	write_file(dir, "t.bin", "\0\0\0\0\0\0\0\0", 8);
	ok(of_tfjs_load(dir, "t", &m, &err) == OF_ECORRUPT, "shard with trailing bytes refused: %s", err.msg);
	write_file(dir, "t-weights_manifest.json", "[{\"paths\":", 10);
	ok(of_tfjs_load(dir, "t", &m, &err) == OF_ECORRUPT, "broken JSON refused: %s", err.msg);
	ok(of_tfjs_load(dir, "missing", &m, &err) == OF_EIO, "missing manifest: %s", err.msg);

	snprintf(path, sizeof(path), "%s/t.bin", dir);
	remove(path);
	snprintf(path, sizeof(path), "%s/t-weights_manifest.json", dir);
	remove(path);
	rmdir(dir);
}

int
main(void)
{
	const char *env = getenv("OPENFACE_MODEL_DIR");
	char		dir[512];

	snprintf(dir, sizeof(dir), "%s/tfjs", env && *env ? env : "models");
	test_reference_hashes(dir);
	test_handmade();
	return unit_done();
}
