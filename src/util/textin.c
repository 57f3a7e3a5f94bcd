/* csv_input.c - a CSV export's bytes as UTF-8 (csv_input.h). */
#include "mfa/util/textin.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_CHUNK (64u * 1024u)
/* How far ahead open() may read looking for the end of the header line. */
#define HEADER_SCAN_MAX (1024u * 1024u)
/* Largest raw sequence carried from one read to the next: a partial UTF-8
 * sequence (3 bytes) or half a UTF-16 code unit (1 byte). */
#define CARRY_MAX 4

enum encoding { ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE };

/* The gzip expansion limit (see the header). */
#define GZIP_FREE_BYTES (32ull * 1024u * 1024u)
#define GZIP_MAX_RATIO 200u

struct mfa_csv_input {
	char *path;
	gzFile gz;
	size_t chunk;
	unsigned char *raw;        /* CARRY_MAX + chunk bytes */
	enum encoding enc;
	unsigned char carry[CARRY_MAX];
	size_t ncarry;
	unsigned hi_surrogate;     /* pending UTF-16 high surrogate, 0 if none */
	char *dec;                 /* decoded, not yet handed out: dec[pos..len) */
	size_t dec_pos, dec_len, dec_cap;
	bool eof;
	bool gzip;
	unsigned long long inflated; /* bytes gzread gave so far */
	char delim;
	unsigned long skipped;
};

/* Windows-1252's 0x80..0x9F; the rest of the high half is Latin-1. The five
 * holes become U+FFFD. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint32_t cp1252(unsigned char c)
{
	return c >= 0x80 && c < 0xA0 ? cp1252_high[c - 0x80] : c;
}

/* Length of a valid UTF-8 sequence at s (n bytes available), 0 when it is
 * invalid, or -1 when it may be valid but is cut short. */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return len;
}

static int dec_reserve(struct mfa_csv_input *in, size_t more)
{
	size_t need;

	if (in->dec_pos == in->dec_len)
		in->dec_pos = in->dec_len = 0;
	if (more > SIZE_MAX - in->dec_len)
		return -1;
	need = in->dec_len + more;
	if (need > in->dec_cap) {
		size_t cap = in->dec_cap ? in->dec_cap : 2 * DEFAULT_CHUNK;
		char *p;

		while (cap < need) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		p = realloc(in->dec, cap);
		if (!p)
			return -1;
		in->dec = p;
		in->dec_cap = cap;
	}
	return 0;
}

/* Decodes w[0..n) onto the end of dec; an incomplete tail is kept in carry
 * unless this is the end of the input. dec has room for 3 bytes per input
 * byte plus a little (dec_reserve by the caller). */
static void decode_utf8(struct mfa_csv_input *in, const unsigned char *w, size_t n, bool at_eof)
{
	char *out = in->dec + in->dec_len;
	size_t i = 0;

	while (i < n) {
		size_t run = i;
		int len;

		while (run < n && w[run] < 0x80)
			run++;
		if (run > i) {
			memcpy(out, w + i, run - i);
			out += run - i;
			i = run;
			continue;
		}
		len = utf8_seq(w + i, n - i);
		if (len < 0 && !at_eof) {
			in->ncarry = n - i;
			memcpy(in->carry, w + i, in->ncarry);
			break;
		}
		if (len > 0) {
			memcpy(out, w + i, (size_t)len);
			out += len;
			i += (size_t)len;
		} else {
			out += put_utf8(out, cp1252(w[i]));
			i++;
		}
	}
	in->dec_len = (size_t)(out - in->dec);
}

static void decode_utf16(struct mfa_csv_input *in, const unsigned char *w, size_t n, bool at_eof)
{
	char *out = in->dec + in->dec_len;
	bool le = in->enc == ENC_UTF16LE;
	size_t i = 0;

	for (; i + 1 < n; i += 2) {
		unsigned u = le ? (unsigned)w[i] | (unsigned)w[i + 1] << 8
				: (unsigned)w[i] << 8 | (unsigned)w[i + 1];

		if (in->hi_surrogate) {
			if (u >= 0xDC00 && u <= 0xDFFF) {
				uint32_t cp = 0x10000 + ((uint32_t)(in->hi_surrogate - 0xD800) << 10) +
					      (u - 0xDC00);

				out += put_utf8(out, cp);
				in->hi_surrogate = 0;
				continue;
			}
			out += put_utf8(out, 0xFFFD);
			in->hi_surrogate = 0;
		}
		if (u >= 0xD800 && u <= 0xDBFF)
			in->hi_surrogate = u;
		else if (u >= 0xDC00 && u <= 0xDFFF)
			out += put_utf8(out, 0xFFFD);
		else
			out += put_utf8(out, u);
	}
	if (i < n) {
		if (at_eof) {
			out += put_utf8(out, 0xFFFD);
		} else {
			in->carry[0] = w[i];
			in->ncarry = 1;
		}
	}
	if (at_eof && in->hi_surrogate) {
		out += put_utf8(out, 0xFFFD);
		in->hi_surrogate = 0;
	}
	in->dec_len = (size_t)(out - in->dec);
}

static int raw_read(struct mfa_csv_input *in, unsigned char *buf, size_t size, struct mfa_err *err)
{
	int n = gzread(in->gz, buf, (unsigned)size);

	if (n < 0) {
		int code = 0;
		const char *msg = gzerror(in->gz, &code);

		if (code == Z_ERRNO)
			return mfa_err_set(err, "cannot read '%s': %s", in->path, strerror(errno));
		return mfa_err_set(err, "cannot read '%s': %s", in->path,
				   msg && *msg ? msg : "corrupt gzip data");
	}
	if (n == 0) {
		/* gzread reports a gzip stream cut short only through gzerror */
		int code = Z_OK;

		gzerror(in->gz, &code);
		if (code != Z_OK)
			return mfa_err_set(err, "cannot read '%s': the gzip data ends early (truncated file?)",
					   in->path);
	}
	return n;
}

/* Reads one raw chunk and decodes it onto dec. Returns 1 when it read
 * something (dec may still have gained nothing: half a code unit), 0 at
 * the end of the input, -1 on error. */
static int decode_more(struct mfa_csv_input *in, struct mfa_err *err)
{
	size_t carried = in->ncarry;
	int n;

	if (in->eof)
		return 0;
	memcpy(in->raw, in->carry, carried);
	in->ncarry = 0;
	n = raw_read(in, in->raw + carried, in->chunk, err);
	if (n < 0)
		return -1;
	if (in->gzip) {
		/* a zip bomb must not keep the run busy for hours: past the first
		 * 32 MiB, what comes out may be at most 200 times what went in */
		long long packed = (long long)gzoffset(in->gz);

		in->inflated += (unsigned long long)n;
		if (in->inflated > GZIP_FREE_BYTES && packed > 0 &&
		    in->inflated / GZIP_MAX_RATIO > (unsigned long long)packed)
			return mfa_err_set(err, "cannot read '%s': the gzip data expands to more than %u times its size (a zip bomb?); if the export is genuine, decompress it first",
					   in->path, GZIP_MAX_RATIO);
	}
	if (dec_reserve(in, (carried + (size_t)n) * 3 + 8) < 0)
		return mfa_err_set(err, "cannot read '%s': out of memory", in->path);
	if (n == 0)
		in->eof = true;
	if (in->enc == ENC_UTF8)
		decode_utf8(in, in->raw, carried + (size_t)n, in->eof);
	else
		decode_utf16(in, in->raw, carried + (size_t)n, in->eof);
	return n > 0 ? 1 : 0;
}

/* Position just past the line terminator that starts at p[e] ("\r\n"
 * counts as one), or 0 when more input is needed to tell. */
static size_t past_eol(const char *p, size_t n, size_t e, bool at_eof)
{
	if (p[e] == '\r') {
		if (e + 1 < n)
			return p[e + 1] == '\n' ? e + 2 : e + 1;
		return at_eof ? e + 1 : 0;
	}
	return e + 1;
}

/* Consumes preamble lines and picks the delimiter from the header line.
 * Returns 1 when done, 0 when it needs more of the input. */
static int scan_header(struct mfa_csv_input *in, bool *sep_fixed)
{
	bool at_eof = in->eof;
	bool out_of_room;
	const char *p;
	size_t n, i;
	unsigned long commas = 0, semis = 0;
	bool inq = false, found = false;

	for (;;) {
		size_t e, next;

		p = in->dec ? in->dec + in->dec_pos : "";
		n = in->dec_len - in->dec_pos;
		out_of_room = n >= HEADER_SCAN_MAX;
		for (e = 0; e < n && p[e] != '\r' && p[e] != '\n'; e++)
			;
		if (e == n && !at_eof && !out_of_room)
			return 0;
		if (e == n)
			break;
		/* blank lines before the header would hide its delimiter */
		if (e != 0 && !((e == 4 || e == 5) && strncasecmp(p, "sep=", 4) == 0) &&
		    !(e >= 5 && strncmp(p, "#TYPE", 5) == 0))
			break;
		next = past_eol(p, n, e, at_eof);
		if (next == 0)
			return 0;
		if (e > 0 && (p[0] == 's' || p[0] == 'S')) {
			if (e == 5) {
				in->delim = p[4];
				*sep_fixed = true;
			}
		}
		in->dec_pos += next;
		in->skipped++;
	}
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '"') {
			inq = !inq;
		} else if (!inq) {
			if (c == ',')
				commas++;
			else if (c == ';')
				semis++;
			else if (c == '\n' || c == '\r') {
				found = true;
				break;
			}
		}
	}
	if (!found && !at_eof && !out_of_room)
		return 0;
	if (!*sep_fixed)
		in->delim = semis > commas ? ';' : ',';
	return 1;
}

int mfa_csv_input_open(struct mfa_csv_input **out, const char *path, size_t chunk,
		       struct mfa_err *err)
{
	struct mfa_csv_input *in = NULL;
	unsigned char head[CARRY_MAX];
	size_t have = 0, skip = 0;
	bool sep_line = false;
	struct stat st;
	int fd = -1, rc = -1;

	*out = NULL;
	if (chunk == 0)
		chunk = DEFAULT_CHUNK;
	if (chunk > (size_t)INT32_MAX - CARRY_MAX)
		chunk = (size_t)INT32_MAX - CARRY_MAX;
	in = calloc(1, sizeof(*in));
	if (!in || !(in->path = strdup(path))) {
		mfa_err_set(err, "cannot open '%s': out of memory", path);
		goto cleanup;
	}
	in->chunk = chunk;
	in->delim = ',';
	in->raw = malloc(CARRY_MAX + chunk);
	if (!in->raw) {
		mfa_err_set(err, "cannot open '%s': out of memory", path);
		goto cleanup;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(EISDIR));
		goto cleanup;
	}
	/* gzread reads plain files as they are, so one path serves both; the
	 * gzip magic (1f 8b) is what decides, not the file name. */
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		mfa_err_set(err, "cannot open '%s': out of memory", path);
		goto cleanup;
	}
	fd = -1;
	gzbuffer(in->gz, 128u * 1024u);

	/* The first bytes decide the encoding. */
	while (have < 3) {
		size_t want = 3 - have < chunk ? 3 - have : chunk;
		int n = raw_read(in, head + have, want, err);

		if (n < 0)
			goto cleanup;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	in->gzip = !gzdirect(in->gz);
	in->enc = ENC_UTF8;
	if (have >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
		skip = 3;
	} else if (have >= 2 && head[0] == 0xFF && head[1] == 0xFE) {
		in->enc = ENC_UTF16LE;
		skip = 2;
	} else if (have >= 2 && head[0] == 0xFE && head[1] == 0xFF) {
		in->enc = ENC_UTF16BE;
		skip = 2;
	} else if (have >= 2 && head[0] != 0 && head[1] == 0) {
		/* UTF-16 without a BOM still shows itself: the header is ASCII. */
		in->enc = ENC_UTF16LE;
	} else if (have >= 2 && head[0] == 0 && head[1] != 0) {
		in->enc = ENC_UTF16BE;
	}
	in->ncarry = have - skip;
	memcpy(in->carry, head + skip, in->ncarry);
	if (have == 0)
		in->eof = true;

	for (;;) {
		int r = scan_header(in, &sep_line);

		if (r == 1)
			break;
		if (decode_more(in, err) < 0)
			goto cleanup;
	}
	*out = in;
	in = NULL;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	mfa_csv_input_free(in);
	return rc;
}

ssize_t mfa_csv_input_read(struct mfa_csv_input *in, char *buf, size_t size, struct mfa_err *err)
{
	size_t n;

	while (in->dec_pos == in->dec_len) {
		int r = decode_more(in, err);

		if (r < 0)
			return -1;
		if (r == 0 && in->dec_pos == in->dec_len)
			return 0;
	}
	n = in->dec_len - in->dec_pos;
	if (n > size)
		n = size;
	if (n > (size_t)SSIZE_MAX)
		n = (size_t)SSIZE_MAX;
	memcpy(buf, in->dec + in->dec_pos, n);
	in->dec_pos += n;
	return (ssize_t)n;
}

char mfa_csv_input_delimiter(const struct mfa_csv_input *in)
{
	return in->delim;
}

unsigned long mfa_csv_input_skipped_lines(const struct mfa_csv_input *in)
{
	return in->skipped;
}

const char *mfa_csv_input_encoding(const struct mfa_csv_input *in)
{
	switch (in->enc) {
	case ENC_UTF16LE:
		return "utf-16le";
	case ENC_UTF16BE:
		return "utf-16be";
	default:
		return "utf-8";
	}
}

bool mfa_csv_input_gzipped(const struct mfa_csv_input *in)
{
	return in->gzip;
}

void mfa_csv_input_free(struct mfa_csv_input *in)
{
	if (!in)
		return;
	if (in->gz)
		gzclose(in->gz);
	free(in->raw);
	free(in->dec);
	free(in->path);
	free(in);
}
