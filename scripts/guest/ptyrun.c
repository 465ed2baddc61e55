// SPDX-License-Identifier: GPL-2.0
/*
 * ptyrun FILE COMMAND [ARG...]: run COMMAND on a pseudo-terminal, as it
 * would run on a console, and copy what it prints to standard output and
 * to FILE. Exits with its exit status (128 + the signal that ended it).
 *
 * /init runs v4l2-compliance so: on a terminal its standard output is
 * line-buffered, as on the serial console it wrote to before, and /init
 * can still read the run back (the Requests race). Through a pipe, its
 * output would be block-buffered, and a fork() of it would print the
 * same buffered lines twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[4096];
	int master, fd, status;
	ssize_t n;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: ptyrun FILE COMMAND [ARG...]\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ptyrun: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		fprintf(stderr, "ptyrun: forkpty: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "ptyrun: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	/* read() fails with EIO once the command has closed the terminal */
	for (;;) {
		n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(STDOUT_FILENO, buf, n) || write_all(fd, buf, n))
			break;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 2;
	close(fd);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
