/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "report.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "nls.h"

#define MIB 1048576.0

/* The JSON's unit of the rate (the text line says it in its own words,
 * which may be translated). */
static const char *const unit_names[] = {
	[BENCH_SESSIONS] = "sessions/s",
	[BENCH_BULK] = "MiB/s",
	[BENCH_RTT] = "round trips/s",
};

static double
amount(const struct bench_config *cfg, const struct bench_result *res)
{
	if (cfg->mode == BENCH_BULK)
		return (double)res->bytes / MIB;
	return (double)res->ops;
}

static double
rate(const struct bench_config *cfg, const struct bench_result *res)
{
	return res->elapsed > 0 ? amount(cfg, res) / res->elapsed : 0;
}

static void
format_json(const struct bench_config *cfg, const struct bench_result *res,
    char *buf, size_t len)
{
	int n;
	size_t i;

	n = snprintf(buf, len, "{\"mode\":\"%s\",\"concurrency\":%u,"
	    "\"size\":%zu,\"elapsed\":%.3f,\"ops\":%" PRIu64 ",\"bytes\":%"
	    PRIu64 ",\"rate\":%.3f,\"unit\":\"%s\",\"p50_ms\":%.3f,"
	    "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%" PRIu64
	    ",\"error_kinds\":{", bench_mode_name(cfg->mode),
	    cfg->concurrency, cfg->size, res->elapsed, res->ops, res->bytes,
	    rate(cfg, res), unit_names[cfg->mode], res->p50 * 1e3,
	    res->p99 * 1e3, res->max * 1e3, res->errors);
	for (i = 0; i < BENCH_ERR_KINDS; i++) {
		if (n < 0 || (size_t)n >= len)
			return;
		n += snprintf(buf + n, len - (size_t)n, "%s\"%s\":%" PRIu64,
		    i > 0 ? "," : "", bench_error_name((enum bench_error)i),
		    res->error_kinds[i]);
	}
	if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "}");
	if (cfg->mode == BENCH_SESSIONS && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ",\"size_min\":%zu,"
		    "\"close\":\"%s\",\"closes\":{\"shutdown\":%" PRIu64
		    ",\"close\":%" PRIu64 ",\"linger0\":%" PRIu64 "}",
		    cfg->size_min > 0 ? cfg->size_min : cfg->size,
		    bench_close_name(cfg->close),
		    res->closes[BENCH_CLOSE_SHUTDOWN],
		    res->closes[BENCH_CLOSE_CLOSE],
		    res->closes[BENCH_CLOSE_LINGER0]);
	if (n >= 0 && (size_t)n < len)
		(void)snprintf(buf + n, len - (size_t)n, "}");
}

void
report_line(const struct bench_config *cfg, const struct bench_result *res,
    int json, char *buf, size_t len)
{
	if (json)
		format_json(cfg, res, buf, len);
	else if (cfg->mode == BENCH_BULK)
		/* TRANSLATORS: "bench bulk:", "bench sessions:" and "bench
		 * rtt:" begin the result line: keep them; p50, p99 and max
		 * are latencies. */
		snprintf(buf, len, _("bench bulk: %.1f MiB in %.2f s, %.1f "
		    "MiB/s, %" PRIu64 " errors"), amount(cfg, res),
		    res->elapsed, rate(cfg, res), res->errors);
	else {
		int n;

		/* One whole sentence per mode: what is counted may stand
		 * elsewhere in a translation. */
		if (cfg->mode == BENCH_SESSIONS)
			n = snprintf(buf, len, _("bench sessions: %" PRIu64
			    " sessions in %.2f s, %.1f sessions/s, p50 %.3f "
			    "ms, p99 %.3f ms, max %.3f ms, %" PRIu64
			    " errors"), res->ops, res->elapsed,
			    rate(cfg, res), res->p50 * 1e3, res->p99 * 1e3,
			    res->max * 1e3, res->errors);
		else
			n = snprintf(buf, len, _("bench rtt: %" PRIu64
			    " round trips in %.2f s, %.1f round trips/s, p50 "
			    "%.3f ms, p99 %.3f ms, max %.3f ms, %" PRIu64
			    " errors"), res->ops, res->elapsed,
			    rate(cfg, res), res->p50 * 1e3, res->p99 * 1e3,
			    res->max * 1e3, res->errors);

		/* How the sessions ended, when not all by the default. */
		if (cfg->mode == BENCH_SESSIONS &&
		    cfg->close != BENCH_CLOSE_SHUTDOWN && n >= 0 &&
		    (size_t)n < len)
			/* TRANSLATORS: shutdown, close and linger0 are the
			 * --close ways: keep them. */
			(void)snprintf(buf + n, len - (size_t)n, _("; ended "
			    "by shutdown %" PRIu64 ", close %" PRIu64
			    ", linger0 %" PRIu64),
			    res->closes[BENCH_CLOSE_SHUTDOWN],
			    res->closes[BENCH_CLOSE_CLOSE],
			    res->closes[BENCH_CLOSE_LINGER0]);
	}
}

void
report_errors_line(const struct bench_config *cfg,
    const struct bench_result *res, char *buf, size_t len)
{
	int n;
	size_t i;

	/* TRANSLATORS: %s is the mode (sessions, bulk, rtt); the kinds
	 * that follow are the JSON's names (connect, reset, ...), kept. */
	n = snprintf(buf, len, _("bench %s errors: "),
	    bench_mode_name(cfg->mode));
	for (i = 0; i < BENCH_ERR_KINDS; i++) {
		if (n < 0 || (size_t)n >= len)
			return;
		n += snprintf(buf + n, len - (size_t)n, "%s%s %" PRIu64,
		    i > 0 ? ", " : "", bench_error_name((enum bench_error)i),
		    res->error_kinds[i]);
	}
}

int
report_status(const struct bench_result *res)
{
	if (res->connections == 0)
		return REPORT_CONNECT;
	if (res->errors > 0 || res->ops == 0)
		return REPORT_ERRORS;
	return REPORT_OK;
}
