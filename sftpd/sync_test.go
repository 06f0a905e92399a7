package sftpd_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dossierd/dossierd/config"
	"github.com/dossierd/dossierd/scenario"
)

// What sync tools rely on: the sequences rclone's SFTP backend sends, with
// raw pkg/sftp requests, held to OpenSSH sftp-server's answers.

// TestRemoveOfOpenUpload: OPEN(WRITE|CREAT|TRUNC), WRITE, then REMOVE of
// the path — on the same connection, or on another connection of the same
// login as rclone does — and CLOSE or a cut connection: REMOVE answers OK,
// STAT "no such file", the folder can be removed, and nothing is ever
// published, in upload modes 0, 1 and 2.
func TestRemoveOfOpenUpload(t *testing.T) {
	t.Parallel()
	for _, mode := range []int{0, 1, 2} {
		for _, how := range []string{"close", "cut"} {
			for _, other := range []bool{false, true} {
				name := fmt.Sprintf("mode %d, then %s, remove on the same connection", mode, how)
				if other {
					name = fmt.Sprintf("mode %d, then %s, remove on another connection", mode, how)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					env := scenario.Start(t, func(c *config.Config) { c.Common.UploadMode = mode })
					uploader := dialCuttable(t, env, "acme")
					remover := uploader.sftp
					if other {
						remover = dialCuttable(t, env, "acme").sftp
					}
					if err := uploader.sftp.Mkdir(homeDir + "/sync"); err != nil {
						t.Fatal(err)
					}
					p := homeDir + "/sync/part.bin"
					f, err := uploader.sftp.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
					if err != nil {
						t.Fatal(err)
					}
					writeAtAll(t, f, scenario.RandomData(t, 5120), 0)
					if err := remover.Remove(p); err != nil {
						t.Fatalf("REMOVE of the open upload: %v", err)
					}
					for _, c := range []string{"uploader", "remover"} {
						cl := uploader.sftp
						if c == "remover" {
							cl = remover
						}
						if _, err := cl.Stat(p); !errors.Is(err, fs.ErrNotExist) {
							t.Errorf("STAT by the %s after REMOVE: %v, want no such file", c, err)
						}
					}
					if fis, err := remover.ReadDir(homeDir + "/sync"); err != nil || len(fis) != 0 {
						t.Errorf("listing after REMOVE: %v %v", entryNames(fis), err)
					}
					// More writes are accepted, as on a deleted file.
					writeAtAll(t, f, scenario.RandomData(t, 5120), 5120)
					if err := remover.RemoveDirectory(homeDir + "/sync"); err != nil {
						t.Errorf("RMDIR of the folder after REMOVE: %v", err)
					}
					switch how {
					case "close":
						if err := f.Close(); err != nil {
							t.Errorf("CLOSE after REMOVE: %v, want OK", err)
						}
					case "cut":
						uploader.cut()
					}
					scenario.WaitFor(t, 10*time.Second, func() string {
						if _, err := os.Lstat(env.Disk(acmeStorage + "/sync")); !errors.Is(err, fs.ErrNotExist) {
							return fmt.Sprintf("the folder is still on disk (%v)", err)
						}
						if temps := env.UploadTemps(t, acmeStorage); len(temps) != 0 {
							return fmt.Sprintf("temporary files: %v", temps)
						}
						return ""
					})
					e := lastUploadAudit(t, env, "acme", p)
					if !strings.Contains(e.Result, "the file was deleted before its upload ended") {
						t.Errorf("audit of the cancelled upload: %q", e.Result)
					}
				})
			}
		}
	}
}

// TestRmdirOfFolderWithUploadsInProgress: a folder whose only content is
// this login's uploads in progress can be removed (they are cancelled); a
// folder with another login's upload in progress answers so.
func TestRmdirOfFolderWithUploadsInProgress(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	acme := dialUser(t, env, "acme")
	if err := acme.sftp.Mkdir(homeDir + "/a"); err != nil {
		t.Fatal(err)
	}
	f, err := acme.sftp.Create(homeDir + "/a/x.bin")
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, []byte("partial"), 0)
	if err := acme.sftp.RemoveDirectory(homeDir + "/a"); err != nil {
		t.Errorf("RMDIR of a folder holding only acme's upload in progress: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("CLOSE of the cancelled upload: %v", err)
	}
	absentOnDisk(t, env, acmeStorage+"/a")

	// Staff see acme's folder; acme uploads into it; staff's RMDIR is told
	// why it cannot, and the upload goes on.
	if err := acme.sftp.Mkdir(homeDir + "/b"); err != nil {
		t.Fatal(err)
	}
	g, err := acme.sftp.Create(homeDir + "/b/y.bin")
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, g, []byte("partial"), 0)
	staff := dialUser(t, env, "backoffice")
	fis, err := staff.sftp.ReadDir("/clients/C0042/b")
	if err != nil || len(fis) != 0 {
		t.Errorf("staff's listing of the folder: %v %v, want empty", entryNames(fis), err)
	}
	err = staff.sftp.RemoveDirectory("/clients/C0042/b")
	if want := `cannot delete folder "/clients/C0042/b": an upload is in progress there; try again once it has finished`; statusText(err) != want {
		t.Errorf("staff's RMDIR: %q, want %q", statusText(err), want)
	}
	if err := g.Close(); err != nil {
		t.Fatalf("acme's upload after staff's RMDIR: %v", err)
	}
	if got := string(env.ReadDisk(t, acmeStorage+"/b/y.bin")); got != "partial" {
		t.Errorf("acme's upload: %q", got)
	}
	// Not empty, for real.
	err = staff.sftp.RemoveDirectory("/clients/C0042/b")
	if want := `cannot delete folder "/clients/C0042/b": the folder is not empty`; statusText(err) != want {
		t.Errorf("RMDIR of a folder with a file: %q, want %q", statusText(err), want)
	}
}

// TestRenameOfUploadInProgress is refused with a sentence: the upload
// would otherwise bring the file back under its old name.
func TestRenameOfUploadInProgress(t *testing.T) {
	t.Parallel()
	env := scenario.Start(t, nil)
	c := dialUser(t, env, "acme")
	f, err := c.sftp.Create(homeDir + "/en-cours.bin")
	if err != nil {
		t.Fatal(err)
	}
	writeAtAll(t, f, []byte("partial"), 0)
	err = c.sftp.Rename(homeDir+"/en-cours.bin", homeDir+"/autre.bin")
	if want := `cannot rename "/Mes documents/en-cours.bin": an upload is in progress there; try again once it has finished`; statusText(err) != want {
		t.Errorf("rename of an upload in progress: %q, want %q", statusText(err), want)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.sftp.Rename(homeDir+"/en-cours.bin", homeDir+"/autre.bin"); err != nil {
		t.Errorf("rename once the upload is done: %v", err)
	}
}
