/* faults.c - seeded fault decisions. */
#include "faults.h"

#include <string.h>

#include "rng.h"
#include "throttle.h"

void emu_faults_init(struct emu_faults *f, const struct emu_config *cfg)
{
	unsigned i;

	f->cfg = cfg;
	atomic_init(&f->seq, 0);
	for (i = 0; i < 5; i++)
		atomic_init(&f->injected[i], 0);
}

void emu_faults_reset(struct emu_faults *f)
{
	unsigned i;

	atomic_store(&f->seq, 0);
	for (i = 0; i < 5; i++)
		atomic_store(&f->injected[i], 0);
}

void emu_faults_draw(struct emu_faults *f, bool item, struct emu_fault *out)
{
	const struct emu_config *cfg = f->cfg;
	unsigned long long n = atomic_fetch_add(&f->seq, 1);
	uint64_t seed = cfg->seed;
	double u = rng_unit(rng_at(seed, 100, n));
	double v = rng_unit(rng_at(seed, 101, n));
	double edge = 0;

	memset(out, 0, sizeof(*out));
	if (!item && cfg->latency_ms > 0)
		out->delay = cfg->latency_ms * (0.5 + rng_unit(rng_at(seed, 102, n))) / 1000.0;
	if (!item) {
		if (u < (edge += cfg->drop)) {
			out->kind = EMU_FAULT_DROP;
			goto done;
		}
		if (u < (edge += cfg->slow)) {
			out->kind = EMU_FAULT_SLOW;
			goto done;
		}
	}
	if (u < (edge += cfg->fail_5xx)) {
		static const int codes[4] = { 500, 502, 503, 504 };
		out->kind = EMU_FAULT_5XX;
		out->status = codes[(unsigned)(v * 4) & 3];
		if (out->status == 503 && v - 0.5 < 0.125)
			out->retry_after = (1.0 + (double)(n % 5)) / cfg->time_scale;
		goto done;
	}
	if (u < (edge += cfg->fail_429)) {
		out->kind = EMU_FAULT_429;
		out->status = 429;
		out->retry_after = (1.0 + v * 9.0) / cfg->time_scale;
		goto done;
	}
	return;
done:
	atomic_fetch_add(&f->injected[out->kind], 1);
}

void emu_faults_reply(const struct emu_fault *ft, struct emu_reply *rp)
{
	char ra[32];

	switch (ft->status) {
	case 429:
		emu_reply_error(rp, 429, "TooManyRequests", "Too many requests.");
		rp->throttled = true;
		break;
	case 500:
		emu_reply_error(rp, 500, "InternalServerError", "An internal server error occurred.");
		break;
	case 502:
		emu_reply_error(rp, 502, "BadGateway", "The upstream service did not answer.");
		break;
	case 503:
		emu_reply_error(rp, 503, "serviceNotAvailable", "The service is temporarily unavailable.");
		break;
	default:
		emu_reply_error(rp, 504, "GatewayTimeout", "The gateway timed out.");
		break;
	}
	if (ft->retry_after > 0) {
		emu_format_seconds(ft->retry_after, ra, sizeof(ra));
		emu_reply_header(rp, "Retry-After", "%s", ra);
	}
}
