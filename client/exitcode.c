/*
 * fget's exit-status policy, in one place: which status an ERR answer
 * gives, and which failures --retry counts as passing.  The numbers
 * themselves are fget.h's table (curl's where the meaning is the same).
 */
#include <stdbool.h>

#include "fget.h"

int
exitcode_err(unsigned code)
{
	return code == 404 ? FGET_NOTFOUND : code == 403 ? FGET_FORBIDDEN : FGET_SERVER;
}

bool
exitcode_transient(int status, unsigned last_err)
{
	return status == FGET_CONNECT || status == FGET_TIMEOUT || status == FGET_PARTIAL ||
	    status == FGET_EMPTY || status == FGET_SEND || status == FGET_RECV ||
	    (status == FGET_SERVER && (last_err == 408 || last_err == 500 || last_err == 503));
}
