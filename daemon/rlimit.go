package daemon

import (
	"log/slog"
	"syscall"
)

// raiseOpenFiles raises the soft limit on open files to the hard limit and
// logs both, once, at start: the figure to look at when the log says "too
// many open files". Every connection takes a descriptor, every FTP
// transfer two more (its passive listener and data connection), every open
// file one: the soft limit services often start with (1024) is reached by
// a few hundred clients, while the hard limit is usually far higher. (Go's
// runtime itself already raises the soft limit to one below the hard limit
// on start; this does not rely on it.) The limit is never lowered; a
// failure is logged, not fatal: the daemon runs as it would without it.
func raiseOpenFiles(log *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("file descriptors: cannot read the limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			log.Warn("file descriptors: cannot raise the limit", "soft", lim.Cur, "hard", lim.Max, "err", err)
		} else {
			lim = raised
		}
	}
	log.Info("file descriptors", "soft", lim.Cur, "hard", lim.Max)
}
