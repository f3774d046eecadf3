/* Protocol 1's verbs, for protocol1.c: each answers completely and returns the status logged. */
#ifndef FS_VERBS_H
#define FS_VERBS_H

#include "handler.h"

enum fs_status verb_list(struct session *s, const struct request *req);
enum fs_status verb_get(struct session *s, const struct request *req);
enum fs_status verb_stat(struct session *s, const struct request *req);

#endif
