/* emu.h - what every part of graph-emulator shares: the configuration from
 * the command line, a request as the handlers see it (whether it came over
 * HTTP or as a $batch item), and the reply they build.
 */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* App permissions (application roles) the emulator knows. */
enum emu_perm {
	EMU_PERM_USER_READ_ALL = 1u << 0,        /* User.Read.All */
	EMU_PERM_POLICY_READ_ALL = 1u << 1,      /* Policy.Read.All */
	EMU_PERM_AUDITLOG_READ_ALL = 1u << 2,    /* AuditLog.Read.All */
	EMU_PERM_POLICY_RW_AUTHMETHOD = 1u << 3, /* Policy.ReadWrite.AuthenticationMethod */
	EMU_PERM_DIRECTORY_READ_ALL = 1u << 4,   /* Directory.Read.All */
	EMU_PERM_USER_RW_ALL = 1u << 5,          /* User.ReadWrite.All */
	EMU_PERM_GROUP_MEMBER_READ_ALL = 1u << 6,/* GroupMember.Read.All */
	EMU_PERM_ROLE_MGMT_READ_DIR = 1u << 7,   /* RoleManagement.Read.Directory */
	EMU_PERM_MAIL_SEND = 1u << 8,            /* Mail.Send (issue 13) */
	EMU_PERM_MAILBOX_SETTINGS_READ = 1u << 23, /* MailboxSettings.Read (issue 14) */
	/* issue 14 item 3, issue 15 item 3: tenant posture */
	EMU_PERM_LICENSE_READ_ALL = 1u << 20,    /* LicenseAssignment.Read.All */
	EMU_PERM_POLICY_READ_AUTHMETHOD = 1u << 21, /* Policy.Read.AuthenticationMethod */
	EMU_PERM_DIR_RECOMMENDATIONS = 1u << 22, /* DirectoryRecommendations.Read.All */
	EMU_PERM_POLICY_READ_CA = 1u << 9,       /* Policy.Read.ConditionalAccess (What If) */
};

/* What /users does with perUserMfaState in $select (--state-select). */
enum emu_state_select {
	EMU_STATE_SELECT_INLINE, /* served inline (the undocumented fast path) */
	EMU_STATE_SELECT_DROP,   /* silently left out */
	EMU_STATE_SELECT_REJECT, /* 400 as for any property user does not have */
};

struct emu_config {
	int port;
	const char *port_file;
	uint32_t users;
	uint64_t seed;
	unsigned tenants;           /* --tenants N (multitenant.h; issue 16) */
	const char *tenant_csv;
	const char *tenant_id;
	const char *client_id;
	const char *client_secret;
	const char *client_cert;
	const char *identity_header; /* --identity-header: /msi/token's secret; NULL: no endpoint */
	double token_ttl;           /* seconds */
	bool limits;                /* --limits graph */
	double time_scale;
	double latency_ms;
	double fail_5xx, fail_429, drop, slow;
	double slow_seconds;
	enum emu_state_select state_select; /* perUserMfaState named in a /users $select */
	bool registration_license;  /* false: userRegistrationDetails answers 403 */
	unsigned registration_page_size;
	unsigned member_page_size;  /* group and role member lists without $top */
	unsigned empty_pages;       /* empty pages (with a nextLink) put into every paged list */
	bool no_upn_range_filter;   /* /users $filter ge/le on userPrincipalName answers 400 */
	const char *ca_fixture;
	const char *whatif_override; /* --what-if-override FILE (whatif.h) */
	const char *export_csv;
	unsigned perms;             /* enum emu_perm */
	unsigned threads;
	bool no_serve;
	/* issue 12: transport and throttling */
	const char *tls_cert;       /* --tls-cert PEM file, or NULL (plain HTTP) */
	const char *tls_key;        /* --tls-key PEM file */
	const char *public_url;     /* --public-url: base of nextLinks, @odata.context, baseUrl */
	double batch_item_latency_ms; /* each $batch item takes this long (jittered) */
	unsigned batch_parallelism; /* $batch items run this many at a time */
	double app_writes_elsewhere; /* writes / 5 min the app spends in other tenants */
	bool batch_424;             /* a $batch with a throttled item answers 424 */
	/* issue 13: sendMail */
	double mail_per_minute;     /* messages / minute per mailbox (Exchange: 30) */
	double mail_recipients_per_day; /* recipients / day per mailbox (Exchange: 10,000) */
	/* issue 14 item 3, issue 15 item 3: tenant posture (posture.h) */
	bool no_p1;                 /* --no-p1: subscribedSkus without an Entra ID P1/P2 plan */
	bool no_recommendation;     /* --no-recommendation: no switchFromPerUserMFA */
	unsigned recommendation_differ; /* --recommendation-differ N */
	unsigned recommendation_page_size; /* --recommendation-page-size N (100) */
	/* issue 15: sign-in logs (signins.h) */
	unsigned signins_per_user;  /* sign-ins per user per round */
	unsigned signins_days;      /* the first round spreads over these days */
};

#define EMU_MAX_QUERY 32
#define EMU_MAX_HEADERS 12

struct emu_kv {
	char *key, *value; /* owned by the request */
};

/* One request, decoded. Owned strings are freed by emu_request_release. */
struct emu_request {
	char *method;         /* "GET", "PATCH", ... */
	char *version;        /* "v1.0" or "beta"; NULL outside the Graph API */
	char *path;           /* the path after the version, decoded, e.g. "/users" */
	struct emu_kv query[EMU_MAX_QUERY];
	unsigned nquery;
	bool query_overflow;
	char *authorization;  /* Authorization header, or NULL */
	char *consistency;    /* ConsistencyLevel header, or NULL */
	char *content_type;   /* Content-Type header, or NULL */
	char *client_request_id; /* client-request-id header, or NULL */
	char *base_url;       /* "http://host:port", for @odata.nextLink */
	char *body;           /* NUL-terminated; may be NULL */
	size_t body_len;
	bool in_batch;        /* a $batch item: faults and stats are the batch's business */
};

void emu_request_release(struct emu_request *rq);
/* The decoded value of query parameter key (exact match), or NULL. */
const char *emu_request_query(const struct emu_request *rq, const char *key);

struct emu_header {
	char name[40];
	char value[200];
};

#define EMU_REQUEST_ID_MAX 80

struct emu_reply {
	int status;
	/* request-id and client-request-id of the answer (headers and
	 * innerError); empty until emu_reply_ids or the first error fills them */
	char request_id[40];
	char client_request_id[EMU_REQUEST_ID_MAX];
	struct emu_header headers[EMU_MAX_HEADERS];
	unsigned nheaders;
	struct buf body;
	bool json;            /* body is JSON (Content-Type set from it) */
	const char *content_type; /* non-JSON body type, static */
	const char *route;    /* stats key, static */
	int ru;               /* resource units charged (x-ms-resource-unit) */
	bool throttled;
	double hold;          /* seconds the HTTP side waits before answering ($batch items) */
};

void emu_reply_init(struct emu_reply *rp);
void emu_reply_release(struct emu_reply *rp);
void emu_reply_header(struct emu_reply *rp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *emu_reply_find_header(const struct emu_reply *rp, const char *name);
/* Sets rp's request-id (a fresh GUID) and client-request-id: the one the
 * client sent (crid, may be NULL), or a fresh GUID when it sent none or one
 * that cannot be echoed (too long, control characters). */
void emu_reply_ids(struct emu_reply *rp, const char *crid);
/* A fresh random version-4 GUID, lowercase. */
void emu_guid(char out[37]);
/* Sets status and a Graph error body {"error":{"code","message","innerError":
 * {"date","request-id","client-request-id"}}} (ids from rp, made by
 * emu_reply_ids(rp, NULL) when not set yet). */
void emu_reply_error(struct emu_reply *rp, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Monotonic seconds. */
double emu_now(void);
/* Wall-clock seconds since the epoch, with fractions. */
double emu_wall(void);
/* Formats unix time t as 2024-01-02T03:04:05Z. */
void emu_iso_time(double t, char out[32]);

#endif
