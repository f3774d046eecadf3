# Sourced by filesvc's init scripts without systemd (init.d, OpenRC, runit,
# s6): /etc/default/filesvc read over the defaults, and filesvc-inetd's
# arguments built from it in "$@" (which it replaces).  FILESVC_LISTEN and the *_OPTS are word
# lists: split on blanks, never globbed ('*:7070').
FILESVC_ROOT=/srv/filesvc
FILESVC_HANDLER_OPTS=
FILESVC_MAX_CONNECTIONS=100
FILESVC_MAX_PER_SOURCE=16
FILESVC_GRACE=20
FILESVC_INETD_OPTS=
FILESVC_LISTEN='*:7070'
FILESVC_USER=nobody
# shellcheck source=/dev/null
[ -r /etc/default/filesvc ] && . /etc/default/filesvc

# What tmpfiles.d does under systemd: the default root, made only if missing
# (as root, before starting).
filesvc_make_root() {
	[ "$FILESVC_ROOT" != /srv/filesvc ] || [ -d /srv/filesvc ] ||
		install -d -m 0755 -o root -g root /srv/filesvc
}

set -f
set --
for a in $FILESVC_LISTEN; do
	set -- "$@" -l "$a"
done
# shellcheck disable=SC2086 # word lists, split on purpose
set -- "$@" --max-connections "$FILESVC_MAX_CONNECTIONS" \
    --max-per-source "$FILESVC_MAX_PER_SOURCE" --grace "$FILESVC_GRACE" \
    -u "$FILESVC_USER" --handler-seccomp $FILESVC_INETD_OPTS -- \
    /usr/sbin/filesvc-handler --root "$FILESVC_ROOT" $FILESVC_HANDLER_OPTS
set +f
