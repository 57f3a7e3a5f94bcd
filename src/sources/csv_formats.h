/* sources/csv_formats.h - the CSV export formats mfa-migrate reads (internal).
 *
 * Each format is a row of a table: its short name, the header columns that
 * identify it, the aliases of every column it reads and what field of
 * `struct mfa_user` each one fills, and how values are read. Header names
 * are compared normalised: lowercased, with spaces, '-', '_' and '.'
 * removed ("Per-user MFA Status" ~ "peruser_mfa status").
 *
 * Detection: the formats are tried in table order and the first whose
 * required columns are all present wins; every format also needs a UPN or
 * an id column. Columns a format does not know are ignored.
 */
#ifndef MFA_SOURCES_CSV_FORMATS_H
#define MFA_SOURCES_CSV_FORMATS_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/model/user.h"

/* What a column holds, i.e. how its value is read. */
enum mfa_csv_field {
	MFA_CSV_F_NONE = 0,         /* identifies the format, not read */
	MFA_CSV_F_ID,
	MFA_CSV_F_UPN,
	MFA_CSV_F_DISPLAY_NAME,
	MFA_CSV_F_MAIL,             /* the mail property */
	MFA_CSV_F_USER_TYPE,        /* Member / Guest */
	MFA_CSV_F_ACCOUNT_ENABLED,  /* boolean */
	MFA_CSV_F_SIGNIN_STATUS,    /* Allowed/Denied (or Enabled/Disabled, booleans) */
	MFA_CSV_F_STATE,            /* Disabled / Enabled / Enforced */
	MFA_CSV_F_STATE_MSOL_FLAG,  /* True: per-user MFA enabled OR enforced */
	MFA_CSV_F_REGISTERED,       /* boolean (Yes/No, True/False) */
	MFA_CSV_F_CAPABLE,          /* boolean */
	MFA_CSV_F_IS_ADMIN,         /* boolean */
	MFA_CSV_F_METHODS,          /* a list of method names */
	MFA_CSV_F_METHOD_FLAG,      /* boolean: method `arg` is registered */
	MFA_CSV_F_DEFAULT_METHOD,
	MFA_CSV_F_STATE_ERROR,      /* mfa-migrate's own stateError column */
	MFA_CSV_F__COUNT
};

#define MFA_CSV_COL_REQUIRED 1u
/* MFA_CSV_F_METHODS: names never hold spaces, so spaces separate too */
#define MFA_CSV_COL_SPLIT_SPACES 2u

struct mfa_csv_column {
	enum mfa_csv_field field;
	const char *names; /* normalised header names, '|'-separated, any case */
	unsigned flags;    /* MFA_CSV_COL_* */
	int arg;           /* MFA_CSV_F_METHOD_FLAG: the enum mfa_method */
};

/* The format has no per-user state column: state UNKNOWN with no_state_error. */
#define MFA_CSV_FMT_NO_STATE 1u
/* No registered column: registered = any strong method in the list. */
#define MFA_CSV_FMT_REG_FROM_METHODS 2u
/* mfa-migrate's own output: strip the formula-neutralising apostrophe. */
#define MFA_CSV_FMT_UNNEUTRALISE 4u

#define MFA_CSV_MAX_COLUMNS 16

struct mfa_csv_format {
	const char *name;   /* short name, as in mfa_source_stats.format */
	const char *hint;   /* key columns and origin, for "cannot tell" errors; NULL: covered by another */
	unsigned flags;     /* MFA_CSV_FMT_* */
	const char *no_state_error;
	struct mfa_csv_column columns[MFA_CSV_MAX_COLUMNS]; /* ends at field NONE with names NULL */
};

/* A header matched to a format: where each of its columns sits in the file. */
struct mfa_csv_layout {
	const struct mfa_csv_format *format;
	int col[MFA_CSV_MAX_COLUMNS]; /* file column of format->columns[i]; -1 when absent */
	int field_col[MFA_CSV_F__COUNT]; /* file column of the first column of each field; -1 when absent */
};

/* The table (for tests): *count gets the number of formats. */
const struct mfa_csv_format *mfa_csv_formats(size_t *count);

/* Normalises a header name into out (truncated to size). */
void mfa_csv_header_normalise(const char *name, char *out, size_t size);

/* Matches a header row. Returns 0 and fills *out, or -1 when no format
 * fits. */
int mfa_csv_format_detect(const char *const *cells, size_t ncells, struct mfa_csv_layout *out);

/* Writes "expected one of: ..." (the key columns of every format) into buf. */
void mfa_csv_formats_expected(char *buf, size_t size);

/* True when the layout carries registration data (a registered, capable or
 * methods column): what a --registration file must have. */
bool mfa_csv_layout_has_registration(const struct mfa_csv_layout *l);

/* Per-row working memory of mfa_csv_row_map, reused from row to row. */
struct mfa_csv_scratch {
	char *buf;        /* other_methods */
	size_t cap;
	char state_error[200];
	char problem[240]; /* what is wrong with the row, without "file:line: " */
};

/* Frees what the scratch holds (not the struct). */
void mfa_csv_scratch_release(struct mfa_csv_scratch *s);

enum mfa_csv_row_result {
	MFA_CSV_ROW_OK = 0,
	MFA_CSV_ROW_BLANK,    /* every cell empty: skipped silently */
	MFA_CSV_ROW_WARN,     /* yielded, but warned and counted (problem set) */
	MFA_CSV_ROW_BAD,      /* no UPN (in a file with a UPN column) and/or no id:
			       * not yielded; warned and counted (problem set) */
	MFA_CSV_ROW_NOMEM
};

/* Maps one data row to *u (which it first resets with mfa_user_init; it
 * does not set source_file/source_line). Cells are trimmed in place, but a
 * display name keeps its spaces (a quoted field's are text). A value that
 * is there but unreadable (a state, or "maybe" for a true/false column)
 * reads as unknown and makes the row MFA_CSV_ROW_WARN, naming it. The
 * strings in *u point into cells and s, valid while both are. Missing
 * trailing cells read as blank. */
enum mfa_csv_row_result mfa_csv_row_map(const struct mfa_csv_layout *l, char **cells, size_t ncells,
					struct mfa_user *u, struct mfa_csv_scratch *s);

/* Value readers, shared with the tests (booleans: mfa_tri_parse,
 * mfa/model/user.h). */
enum mfa_tri mfa_csv_read_signin(const char *v);

#endif
