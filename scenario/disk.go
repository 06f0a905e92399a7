package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// SmallDisk mounts a tmpfs of size bytes on a new folder and returns it, so
// that a test can fill a real file system; it is unmounted when the test
// ends. Without the right to mount (not root, or no CAP_SYS_ADMIN) the test
// is skipped with a message saying so.
func SmallDisk(t testing.TB, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small-disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skip("a full-disk test needs root to mount a small tmpfs; run the tests as root to include it")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs for the full-disk test (%v); run as root with CAP_SYS_ADMIN to include it", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// FillDisk writes a filler file into the folder until the file system
// that holds it has about leave bytes free, and returns the filler's path.
func FillDisk(t testing.TB, dir string, leave int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	if free <= leave {
		t.Fatalf("only %d bytes free on %s, want more than %d", free, dir, leave)
	}
	p := filepath.Join(dir, "filler.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for left := free - leave; left > 0; {
		n := min(int64(len(buf)), left)
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatalf("filling %s: %v", dir, err)
		}
		left -= n
	}
	return p
}
