/* fuzz_csv_source.c - libFuzzer target: any bytes as a CSV export.
 *
 * The input is written to a temporary file (the source reads files, and
 * gzip/UTF-16 detection happens on the file's bytes) and drained through
 * mfa_csv_source_open, once on its own and once joined to itself as the
 * --registration file. Every yielded user must have a UPN or an id.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *       tests/fuzz/fuzz_csv_source.c src/core/{methods,regmap,user,error}.c \
 *       src/sources/{csv_source,csv_input,csv_formats,source}.c \
 *       src/reports/csvwrite.c -lcsv -lz -o fuzz_csv_source
 *   ./fuzz_csv_source samples/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfa/model/source.h"
#include "sources/csv_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_warning(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void drain(const char *path, const char *reg, bool strict)
{
	struct mfa_csv_options o = MFA_CSV_OPTIONS_INIT;
	struct mfa_source *src = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_source_stats st;
	struct mfa_user u;
	int rc;

	o.registration_path = reg;
	o.strict = strict;
	o.warn = ignore_warning;
	if (mfa_csv_source_open(&src, path, &o, &err) < 0)
		return;
	while ((rc = mfa_source_next(src, &u, &err)) > 0) {
		if (!u.upn && !u.id)
			abort();
		/* touch every string so a dangling one shows under ASan */
		if (u.upn && strlen(u.upn) == SIZE_MAX)
			abort();
		if (u.display_name && strlen(u.display_name) == SIZE_MAX)
			abort();
		if (u.reg.other_methods && strlen(u.reg.other_methods) == SIZE_MAX)
			abort();
		if (u.state_error && strlen(u.state_error) == SIZE_MAX)
			abort();
		if ((unsigned)u.state >= MFA_STATE__COUNT)
			abort();
	}
	mfa_source_stats(src, &st);
	/* bad rows of the registration file count too, so only a lone file
	 * bounds them by its rows */
	if (!st.format || (!reg && st.bad_rows > st.rows))
		abort();
	mfa_source_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-csv-XXXXXX";
	int fd = mkstemp(path);
	size_t off = 0;

	if (fd < 0)
		return 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	drain(path, NULL, false);
	drain(path, NULL, true);
	drain(path, path, false);
	unlink(path);
	return 0;
}
