package auth

import (
	"context"
	"runtime"
	"sync"

	"github.com/dossierd/dossierd/catalogue"
)

// Plain passwords: verified against the stored hashes, and hashed where
// they changed, in parallel and before the write lock (see Apply).

// pwResult is what was found out, before the transaction, about one plain
// password of the snapshot.
type pwResult struct {
	// against is the stored hash the password was verified against; when
	// it is still the stored hash in the transaction, the password is
	// unchanged.
	against  string
	verified bool
	hash     string // a new argon2id hash, when one was needed
}

// passwords verifies and hashes the plain passwords of the snapshot, in
// parallel. A dry run only verifies: it has to know whether a password
// changes, not what the new hash is.
func (p *prepared) passwords(ctx context.Context, st *importState, opts ApplyOptions) (map[string]pwResult, error) {
	type job struct {
		key, password, against string
	}
	var jobs []job
	for _, a := range p.accounts {
		if a.Password == "" {
			continue
		}
		var against string
		if old := st.accounts[a.key]; old != nil {
			against = old.hash
		}
		if against == "" && opts.DryRun {
			continue // a new password for sure, and no hash needed
		}
		jobs = append(jobs, job{a.key, a.Password, against})
	}
	out := make(map[string]pwResult, len(jobs))
	if len(jobs) == 0 {
		return out, nil // and no progress reported
	}
	// argon2id takes 7 MiB per call with our parameters (imported hashes
	// may ask more): a few workers use the cores without holding much
	// memory.
	workers := min(runtime.GOMAXPROCS(0), 8, len(jobs))
	type result struct {
		key string
		r   pwResult
		err error
	}
	jobCh := make(chan job)
	resCh := make(chan result)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobCh {
				r := pwResult{against: j.against}
				var err error
				if j.against != "" {
					// An unusable stored hash (err) just means the
					// password must be set anew.
					r.verified, _ = VerifyPassword(j.against, j.password)
				}
				if !r.verified && !opts.DryRun {
					r.hash, err = HashPassword(j.password)
				}
				select {
				case resCh <- result{j.key, r, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobCh)
		for _, j := range jobs {
			select {
			case jobCh <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(resCh) }()
	progress := newImportProgress(opts.Progress, StageHash, len(jobs), 16)
	for res := range resCh {
		if res.err != nil {
			return nil, res.err
		}
		out[res.key] = res.r
		progress.step()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(jobs) {
		return nil, catalogue.Error(catalogue.PasswordsCancelled)
	}
	progress.done()
	return out, nil
}

// hashNow hashes a plain password in the transaction: only when the stored
// hash changed between the look before the transaction and the
// transaction, which a concurrent `account passwd` can cause.
func (w *accountWrite) hashNow() error {
	if !w.plainNoHash {
		return nil
	}
	h, err := HashPassword(w.a.Password)
	if err != nil {
		return err
	}
	w.hash, w.plainNoHash = h, false
	return nil
}
