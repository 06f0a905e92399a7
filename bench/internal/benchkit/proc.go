package benchkit

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// StatusKiB reads one "kB" field of /proc/PID/status (VmRSS, VmHWM...).
func StatusKiB(pid int, key string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), key+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("pid %d: no %s in status", pid, key)
}

// CPUSeconds is utime+stime of the process (all its threads), from
// /proc/PID/stat.
func CPUSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// FDs counts the open descriptors of the process by kind: "socket",
// "file" (a path), "other" (pipes, anon inodes).
func FDs(pid int) (total int, kinds map[string]int, err error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, nil, err
	}
	kinds = map[string]int{}
	for _, e := range ents {
		target, err := os.Readlink(dir + "/" + e.Name())
		switch {
		case err != nil:
			continue // closed meanwhile
		case strings.HasPrefix(target, "socket:"):
			kinds["socket"]++
		case strings.HasPrefix(target, "/"):
			kinds["file"]++
		default:
			kinds["other"]++
		}
		total++
	}
	return total, kinds, nil
}

// NoFileLimit is the soft and hard "Max open files" of the process
// (ulimit -n), from /proc/PID/limits.
func NoFileLimit(pid int) (soft, hard string, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(v)
			if len(f) >= 2 {
				return f[0], f[1], nil
			}
		}
	}
	return "", "", fmt.Errorf("pid %d: no Max open files in limits", pid)
}

// Listening counts the TCP sockets in LISTEN state on the machine whose
// local port is in [start, end] (/proc/net/tcp and tcp6).
func Listening(start, end int) int {
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 4 || fs[3] != "0A" { // TCP_LISTEN
				continue
			}
			i := strings.LastIndexByte(fs[1], ':')
			port, err := strconv.ParseInt(fs[1][i+1:], 16, 32)
			if err == nil && int(port) >= start && int(port) <= end {
				n++
			}
		}
	}
	return n
}

// Series is a sampled figure: its first, largest and last value.
type Series struct {
	Start, Peak, End int64
	n                int
}

// Add records one sample.
func (s *Series) Add(v int64) {
	if s.n == 0 {
		s.Start = v
	}
	s.Peak = max(s.Peak, v)
	s.End = v
	s.n++
}
