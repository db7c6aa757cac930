/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * sockinfo: reference counts and TCP states of shared sockets.
 *
 * The Linux part reads /proc, TCP_INFO and sock_diag netlink; elsewhere
 * the kernel-specific answers are "unknown".  identify, linger_abort and
 * state_name use only POSIX and are shared by both.
 */
#include "sockinfo.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
/* The kernel's own headers, not <netinet/tcp.h>: glibc hides struct
 * tcp_info there unless _DEFAULT_SOURCE, and the project builds under
 * strict POSIX. */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#endif

const char *
sockinfo_state_name(enum sockinfo_state st)
{
	switch (st) {
	case SOCKINFO_ESTABLISHED:
		return "ESTABLISHED";
	case SOCKINFO_SYN_SENT:
		return "SYN_SENT";
	case SOCKINFO_SYN_RECV:
		return "SYN_RECV";
	case SOCKINFO_FIN_WAIT1:
		return "FIN_WAIT1";
	case SOCKINFO_FIN_WAIT2:
		return "FIN_WAIT2";
	case SOCKINFO_TIME_WAIT:
		return "TIME_WAIT";
	case SOCKINFO_CLOSE:
		return "CLOSED";
	case SOCKINFO_CLOSE_WAIT:
		return "CLOSE_WAIT";
	case SOCKINFO_LAST_ACK:
		return "LAST_ACK";
	case SOCKINFO_LISTEN:
		return "LISTEN";
	case SOCKINFO_CLOSING:
		return "CLOSING";
	case SOCKINFO_UNKNOWN:
	default:
		return NULL;
	}
}

int
sockinfo_identify(int fd, struct sockinfo_id *id)
{
	struct stat st;
	socklen_t len;

	memset(id, 0, sizeof *id);
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	id->inode = (unsigned long)st.st_ino;
	len = sizeof id->local;
	if (getsockname(fd, (struct sockaddr *)&id->local, &len) < 0)
		return -1;
	/* Only TCP over IP has a 4-tuple that sock_diag can look up. */
	if (id->local.ss_family != AF_INET && id->local.ss_family != AF_INET6)
		return 0;
	len = sizeof id->peer;
	if (getpeername(fd, (struct sockaddr *)&id->peer, &len) < 0) {
		/* A listener, or a connection already reset: no peer, but
		 * the inode alone still counts references. */
		if (errno == ENOTCONN)
			return 0;
		return -1;
	}
	id->have_tuple = 1;
	return 0;
}

int
sockinfo_linger_abort(int fd)
{
	struct linger lg;
	socklen_t len = sizeof lg;

	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len) < 0)
		return -1;
	return lg.l_onoff != 0 && lg.l_linger == 0;
}

#ifdef __linux__

/* "socket:[" + up to 20 digits + "]" */
#define LINK_MAX_LEN 32

/*
 * Writes "socket:[INODE]" into buf, which holds LINK_MAX_LEN bytes, and
 * returns its length (no terminating NUL is needed: readlink gives none).
 * By hand rather than snprintf, to keep stdio out of the scan.
 */
static size_t
socket_link_text(unsigned long inode, char *buf)
{
	static const char prefix[] = "socket:[";
	char digits[24];
	size_t n = 0, len = sizeof prefix - 1;

	do {
		digits[n++] = (char)('0' + inode % 10);
		inode /= 10;
	} while (inode != 0);
	memcpy(buf, prefix, len);
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len++] = ']';
	return len;
}

/* A /proc entry that names a process: all digits. */
static int
is_pid_name(const char *name)
{
	if (*name < '1' || *name > '9')
		return 0;
	while (*++name != '\0')
		if (*name < '0' || *name > '9')
			return 0;
	return 1;
}

/* Errors that mean a process or descriptor went away while we looked, or
 * belongs to someone we may not inspect: normal during a scan. */
static int
is_skippable(int err)
{
	return err == ENOENT || err == EACCES || err == EPERM ||
	    err == ESRCH || err == ENOTDIR;
}

/*
 * Counts the entries of one /proc/PID/fd whose link is want (of wantlen
 * bytes).  Returns the count, or -1 with errno for an error that would
 * make the total wrong; a process that vanished or may not be read
 * counts 0.
 */
static int
count_in_process(int proc_fd, const char *pid, const char *want,
    size_t wantlen)
{
	char path[64], link[LINK_MAX_LEN + 1];
	size_t plen = strlen(pid);
	struct dirent *de;
	DIR *dir;
	int dfd, count = 0, saved;
	ssize_t n;

	/* A PID is at most 10 digits; anything longer is not one. */
	if (plen > sizeof path - sizeof "/fd")
		return 0;
	memcpy(path, pid, plen + 1);
	memcpy(path + plen, "/fd", sizeof "/fd");
	dfd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return is_skippable(errno) ? 0 : -1;
	/* fdopendir() fstat()s the directory, which fails with ENOENT once
	 * the process has exited after the openat(): skippable too. */
	dir = fdopendir(dfd);
	if (dir == NULL) {
		saved = errno;
		(void)close(dfd);
		errno = saved;
		return is_skippable(saved) ? 0 : -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		/* One byte more than wanted: a longer link then reads
		 * wantlen + 1 bytes and fails the length test at once. */
		n = readlinkat(dfd, de->d_name, link, wantlen + 1);
		if (n < 0) {
			if (is_skippable(errno))
				continue;
			count = -1;
			break;
		}
		if ((size_t)n == wantlen && memcmp(link, want, wantlen) == 0)
			count++;
	}
	/* The process may exit while its directory is read. */
	if (de == NULL && errno != 0 && !is_skippable(errno))
		count = -1;
	saved = errno;
	(void)closedir(dir);
	errno = saved;
	return count;
}

int
sockinfo_refs(const struct sockinfo_id *id)
{
	char want[LINK_MAX_LEN];
	size_t wantlen;
	struct dirent *de;
	DIR *proc;
	int total = 0, n, saved;

	if (id == NULL || id->inode == 0) {
		errno = EINVAL;
		return -1;
	}
	wantlen = socket_link_text(id->inode, want);
	proc = opendir("/proc");
	if (proc == NULL)
		return -1;
	for (;;) {
		errno = 0;
		de = readdir(proc);
		if (de == NULL)
			break;
		if (!is_pid_name(de->d_name))
			continue;
		n = count_in_process(dirfd(proc), de->d_name, want, wantlen);
		if (n < 0) {
			total = -1;
			break;
		}
		total += n;
	}
	if (de == NULL && errno != 0)
		total = -1;
	saved = errno;
	(void)closedir(proc);
	errno = saved;
	return total;
}

int
sockinfo_refs_in(const struct sockinfo_id *id, const pid_t *pids,
    size_t npids)
{
	char want[LINK_MAX_LEN], pid[24];
	size_t wantlen, i;
	int proc, total = 0, n, saved;

	if (id == NULL || id->inode == 0) {
		errno = EINVAL;
		return -1;
	}
	wantlen = socket_link_text(id->inode, want);
	proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return -1;
	for (i = 0; i < npids; i++) {
		if (pids[i] <= 0)
			continue;
		snprintf(pid, sizeof pid, "%ld", (long)pids[i]);
		n = count_in_process(proc, pid, want, wantlen);
		if (n < 0) {
			total = -1;
			break;
		}
		total += n;
	}
	saved = errno;
	(void)close(proc);
	errno = saved;
	return total;
}

/* Linux's numbers are the enum's; anything else (a state added by a later
 * kernel) is unknown. */
static enum sockinfo_state
from_linux_state(unsigned int st)
{
	if (st < SOCKINFO_ESTABLISHED || st > SOCKINFO_CLOSING)
		return SOCKINFO_UNKNOWN;
	return (enum sockinfo_state)st;
}

/* The request: one socket, by its 4-tuple, seen from its own side. */
static int
fill_diag_request(const struct sockinfo_id *id, struct inet_diag_req_v2 *req)
{
	memset(req, 0, sizeof *req);
	req->sdiag_family = (__u8)id->local.ss_family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0U;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (id->local.ss_family == AF_INET && id->peer.ss_family == AF_INET) {
		const struct sockaddr_in *l =
		    (const struct sockaddr_in *)&id->local;
		const struct sockaddr_in *p =
		    (const struct sockaddr_in *)&id->peer;

		/* Ports and addresses are already in network order. */
		req->id.idiag_sport = l->sin_port;
		req->id.idiag_dport = p->sin_port;
		memcpy(req->id.idiag_src, &l->sin_addr, sizeof l->sin_addr);
		memcpy(req->id.idiag_dst, &p->sin_addr, sizeof p->sin_addr);
		return 0;
	}
	if (id->local.ss_family == AF_INET6 &&
	    id->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *l =
		    (const struct sockaddr_in6 *)&id->local;
		const struct sockaddr_in6 *p =
		    (const struct sockaddr_in6 *)&id->peer;

		req->id.idiag_sport = l->sin6_port;
		req->id.idiag_dport = p->sin6_port;
		memcpy(req->id.idiag_src, &l->sin6_addr, sizeof l->sin6_addr);
		memcpy(req->id.idiag_dst, &p->sin6_addr, sizeof p->sin6_addr);
		/* A link-local pair is only unique with its interface. */
		req->id.idiag_if = l->sin6_scope_id;
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/* The reply names the socket asked for, not a listener (whose peer port
 * and address are zero). */
static int
same_tuple(const struct inet_diag_sockid *got,
    const struct inet_diag_sockid *asked)
{
	return got->idiag_sport == asked->idiag_sport &&
	    got->idiag_dport == asked->idiag_dport &&
	    memcmp(got->idiag_src, asked->idiag_src,
		sizeof asked->idiag_src) == 0 &&
	    memcmp(got->idiag_dst, asked->idiag_dst,
		sizeof asked->idiag_dst) == 0;
}

/*
 * Looks the 4-tuple up with one exact sock_diag request.  The kernel
 * searches the established hash, which also holds TIME_WAIT entries and
 * orphans in FIN_WAIT2, then the listeners.  Not found is CLOSE.
 */
static enum sockinfo_state
state_by_tuple(const struct sockinfo_id *id)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	/* Aligned for the nlmsghdr the kernel writes at its start. */
	union {
		struct nlmsghdr nlh;
		char bytes[4096];
	} reply;
	struct sockaddr_nl kernel;
	struct timeval limit = { 1, 0 };
	enum sockinfo_state st = SOCKINFO_UNKNOWN;
	const struct nlmsghdr *h;
	ssize_t n;
	int nl, saved;

	memset(&msg, 0, sizeof msg);
	if (fill_diag_request(id, &msg.req) < 0)
		return SOCKINFO_UNKNOWN;
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	/* No NLM_F_DUMP: the kernel then answers with the one socket or
	 * with an error, instead of walking every socket. */
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.nlh.nlmsg_seq = 1;

	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return SOCKINFO_UNKNOWN;
	/* The kernel answers within send(); the timeout only guards
	 * against a kernel that never does. */
	(void)setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
	memset(&kernel, 0, sizeof kernel);
	kernel.nl_family = AF_NETLINK;
	if (sendto(nl, &msg, sizeof msg, 0, (struct sockaddr *)&kernel,
	    sizeof kernel) < 0)
		goto out;
	do
		n = recv(nl, &reply, sizeof reply, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		goto out;
	/* Stays so if no message in the reply answers the request. */
	errno = EPROTO;
	for (h = &reply.nlh; NLMSG_OK(h, n);
	    h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != msg.nlh.nlmsg_seq)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
				errno = EPROTO;
				break;
			}
			if (e->error == -ENOENT) {
				st = SOCKINFO_CLOSE;
				break;
			}
			errno = e->error < 0 ? -e->error : EPROTO;
			break;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m)) {
				errno = EPROTO;
				break;
			}
			/* With no connection on the tuple, the kernel's
			 * lookup falls back to the listener on the local
			 * port, which an accepted socket shares: that
			 * answer is about another socket. */
			if (!same_tuple(&m->id, &msg.req.id)) {
				st = SOCKINFO_CLOSE;
				break;
			}
			st = from_linux_state(m->idiag_state);
			break;
		}
	}
out:
	saved = errno;
	(void)close(nl);
	errno = saved;
	return st;
}

enum sockinfo_state
sockinfo_state(int fd, const struct sockinfo_id *id)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	int have_tuple = id != NULL && id->have_tuple;

	if (fd >= 0) {
		memset(&ti, 0, sizeof ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
			return SOCKINFO_UNKNOWN;
		/* CLOSE through a descriptor is either truly closed (reset)
		 * or TIME_WAIT, which lives on in a separate object that
		 * only the 4-tuple finds. */
		if (ti.tcpi_state != SOCKINFO_CLOSE || !have_tuple)
			return from_linux_state(ti.tcpi_state);
	}
	if (!have_tuple) {
		errno = EINVAL;
		return SOCKINFO_UNKNOWN;
	}
	return state_by_tuple(id);
}

int
sockinfo_unread(int fd)
{
	int n;

	if (ioctl(fd, FIONREAD, &n) < 0)
		return -1;
	return n;
}

int
sockinfo_unsent(int fd)
{
	int n;

	if (ioctl(fd, SIOCOUTQ, &n) < 0)
		return -1;
	return n;
}

/* Reads at most len-1 bytes of a small /proc file into buf, as a string.
 * Returns the length, or -1 with errno. */
static ssize_t
read_proc_text(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = errno;

		(void)close(fd);
		errno = err;
		return -1;
	}
	(void)close(fd);
	buf[n] = '\0';
	return n;
}

int
sockinfo_in_accept(pid_t pid)
{
	char buf[256];
	long nr;
	char *end;

	/* "NR arg1 ... sp pc" while blocked, "running" or "-1 sp pc"
	 * otherwise.  Reading it needs the right to ptrace the process,
	 * which Yama (ptrace_scope 1) denies a child towards its parent. */
	if (read_proc_text(pid, "syscall", buf, sizeof buf) > 0) {
		nr = strtol(buf, &end, 10);
		if (end == buf)
			return 0;
#ifdef SYS_accept
		if (nr == SYS_accept)
			return 1;
#endif
#ifdef SYS_accept4
		if (nr == SYS_accept4)
			return 1;
#endif
		return 0;
	}
	/* wchan needs only read rights: the kernel function the process
	 * sleeps in, "inet_csk_accept" for a TCP accept(), "0" if it runs. */
	if (read_proc_text(pid, "wchan", buf, sizeof buf) > 0)
		return strstr(buf, "accept") != NULL;
	return -1;
}

int
sockinfo_keep_visible(void)
{
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

long
sockinfo_tid(void)
{
	char buf[64];
	const char *p;
	ssize_t n;

	/* "PID/task/TID": the calling thread's own entry.  gettid() would
	 * need _GNU_SOURCE, syscall() _DEFAULT_SOURCE. */
	n = readlink("/proc/thread-self", buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, '/');
	return p != NULL ? strtol(p + 1, NULL, 10) : 0;
}

#else /* !__linux__ */

/* No portable interface lists a process's descriptors or a socket's TCP
 * state, so the answers are "unknown", never a guess. */

int
sockinfo_refs(const struct sockinfo_id *id)
{
	(void)id;
	errno = ENOSYS;
	return -1;
}

int
sockinfo_refs_in(const struct sockinfo_id *id, const pid_t *pids,
    size_t npids)
{
	(void)id;
	(void)pids;
	(void)npids;
	errno = ENOSYS;
	return -1;
}

enum sockinfo_state
sockinfo_state(int fd, const struct sockinfo_id *id)
{
	(void)fd;
	(void)id;
	errno = ENOSYS;
	return SOCKINFO_UNKNOWN;
}

int
sockinfo_unread(int fd)
{
	(void)fd;
	errno = ENOSYS;
	return -1;
}

int
sockinfo_unsent(int fd)
{
	(void)fd;
	errno = ENOSYS;
	return -1;
}

int
sockinfo_in_accept(pid_t pid)
{
	(void)pid;
	errno = ENOSYS;
	return -1;
}

int
sockinfo_keep_visible(void)
{
	errno = ENOSYS;
	return -1;
}

long
sockinfo_tid(void)
{
	return 0;
}

#endif /* __linux__ */
